import Foundation
import SGIngest
import SGModel

/// One analysis: streams the traces in file order through device inference,
/// list reconstruction, the reference model, the trackers and every check,
/// and returns what the reports render.
///
/// Memory is bounded apart from the live mappings, a bounded window of
/// retired ones and the mapping rows of the result.
public struct Analyzer: Sendable {
    public var options: AnalyzerOptions

    public init(_ options: AnalyzerOptions) {
        self.options = options
    }

    /// The kernel era replayed and why.
    public var kernelChoice: KernelChoice { KernelChoice(override: options.kernelRelease, topology: options.topology) }

    /// Runs the analysis.
    /// - Throws: ``AnalyzerError`` for an unknown candidate; ``IngestError`` when an input cannot be opened.
    public func run() throws -> AnalysisResult {
        let choice = kernelChoice
        let reference = ModelCatalog.all.first { $0.isReference }
        var candidate: (any SGMapperModel)?
        if let id = options.candidate {
            guard let model = ModelCatalog.model(id: id), !model.isReference else {
                throw AnalyzerError.unknownCandidate(id, available: ModelCatalog.all.filter { !$0.isReference }.map(\.id))
            }
            candidate = model
        }
        var replay = AnalyzerReplay(files: options.traces, options: options, release: choice.release, reference: reference, candidate: candidate)
        let start = Date()
        let accounting = try TraceReader(inputs: options.traces).read { replay.consume($0) }
        let replayed = Date()
        let (findings, mappings, devices) = replay.finish()
        let modelName = "\(reference?.id ?? "reference") \(choice.release)"
        var result = AnalysisResult(traces: options.traces, input: accounting, kernel: choice.release, model: modelName, modelReason: choice.reason, candidate: candidate?.id, devices: devices, mappings: mappings, findings: findings, suppressedByLostEvents: replay.suppressed, downgradedByLostEvents: replay.downgraded, timings: ["replay": replayed.timeIntervalSince(start), "finish": Date().timeIntervalSince(replayed)])
        result.modelReplay = replay.modelReplay
        return result
    }
}
