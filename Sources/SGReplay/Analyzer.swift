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
        var run = RecordIntake(replay: AnalyzerReplay(files: options.traces, options: options, release: choice.release, reference: reference, candidate: candidate), files: options.traces.count)
        let start = Date()
        let reader = TraceReader(inputs: options.traces)
        let accounting = options.concurrentIngest
            ? try reader.readConcurrently { run.take($0) }
            : try reader.read { run.take($0) }
        var replay = run.replay
        let dmaEvents = run.dmaEvents
        let traceDevices = run.traceDevices
        let replayed = Date()
        let (findings, mappings, finishedDevices) = replay.finish(interrupted: accounting.interrupted)
        var devices = finishedDevices
        let bounds = replay.inference.inferredBounds
        for i in devices.indices { devices[i].inferredBounds = bounds[devices[i].properties.name] ?? InferredBounds() }
        let coverage = AnalysisCoverage(dmaEventsPerFile: dmaEvents, traceDevices: traceDevices, topology: options.topology)
        for checks in coverage.limitChecks {
            guard let note = checks.note, let i = devices.firstIndex(where: { $0.properties.name == checks.device }) else { continue }
            devices[i].notes.append(note)
        }
        let modelName = "\(reference?.id ?? "reference") \(choice.release)"
        var result = AnalysisResult(traces: options.traces, input: accounting, kernel: choice.release, model: modelName, modelReason: choice.reason, candidate: candidate?.id, devices: devices, mappings: mappings, findings: findings, suppressedByLostEvents: replay.suppressed, downgradedByLostEvents: replay.downgraded, timings: ["replay": replayed.timeIntervalSince(start), "finish": Date().timeIntervalSince(replayed)])
        result.modelReplay = replay.modelReplay
        result.liveAtInterruption = replay.liveAtInterruption
        result.mappingTotals = replay.rows.totals
        result.mappingsStreamed = options.mappingRows != nil
        result.mappingSinkError = replay.rows.sinkError.map { "\($0)" }
        result.coverage = coverage
        return result
    }
}

/// What the analysis does with each record on the replay's thread: the coverage counts
/// (dma events per file, devices seen) and the replay itself.
private struct RecordIntake {
    var replay: AnalyzerReplay
    var dmaEvents: [Int]
    var traceDevices: Set<String> = []
    var lastDevice = ""

    init(replay: AnalyzerReplay, files: Int) {
        self.replay = replay
        self.dmaEvents = [Int](repeating: 0, count: files)
    }

    mutating func take(_ record: TraceRecord) {
        if case .event(let event) = record.kind {
            if AnalysisCoverage.isDMAEvent(event.payload), record.fileIndex < dmaEvents.count { dmaEvents[record.fileIndex] += 1 }
            if let device = event.payload.device, device != lastDevice {
                traceDevices.insert(device)
                lastDevice = device
            }
        }
        replay.consume(record)
    }
}
