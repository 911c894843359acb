import ArgumentParser
import Foundation
import SGIngest
import SGModel
import SGReplay
import SGReports
import SGSymbols

/// One trace set analysed and reported: the work `analyze` does once and
/// `audit` does per trace.
struct AnalysisRun {
    var traces: [String]
    var options: AnalysisOptions
    var topology: Topology
    /// The topology file `topology` came from (nil: none).
    var topologyFile: String?
    var symbolizer: (any AddressSymbolizer)?
    var formats: Set<ReportFormat>
    var outputDirectory: String
    /// Print each error finding on standard error as it is made (standard input is a live session).
    var live = false

    /// What came of a run, for the exit status and audit's summary.
    struct Outcome {
        var result: AnalysisResult
        var directory: String
        /// What standard error must say about the run (without the `sgreplay: ` prefix).
        var notices: [String]
    }

    /// Analyses, states the problems (nothing trustworthy analysed) in the result, and
    /// writes the reports: summary.json says `not-analysed` and why.
    func perform() throws -> Outcome {
        var analyzerOptions = AnalyzerOptions(traces: traces, topology: topology, candidate: options.candidate, symbolizer: symbolizer)
        if live {
            // A live session (standard input) shows each error while it happens.
            analyzerOptions.onError = { f in
                FileHandleStandardError.write("sgreplay: \(f.severity.rawValue) \(f.kind.rawValue) \(f.device) \(f.file):\(f.line): \(f.detail)\n")
            }
        }
        options.configure(&analyzerOptions)
        // mappings.csv is written while the replay runs: memory follows the live mappings.
        let stream = try MappingsCSVStream(directory: URL(fileURLWithPath: outputDirectory))
        analyzerOptions.mappingRows = stream
        let started = Date()
        let result0: AnalysisResult
        do {
            result0 = try Analyzer(analyzerOptions).run()
        } catch {
            try? FileManager.default.removeItem(at: stream.url)
            throw error
        }
        var result = result0
        let analysed = Date()
        result.timings["analyze_total"] = analysed.timeIntervalSince(started)
        result.coverage.topologyFile = topologyFile
        let review = RunReview(result: result, allowUnusedTopology: options.allowUnusedTopology, topologyGiven: topologyFile != nil)
        result.problems = review.problems
        var reportOptions = ReportOptions(htmlFindingsPerKind: options.htmlFindingsPerKind)
        reportOptions.failOn = options.failOn.severity
        var writer = ReportWriter(result: result, options: reportOptions)
        writer.streamedMappings = stream
        try writer.write(to: URL(fileURLWithPath: outputDirectory), formats: formats)
        return Outcome(result: result, directory: outputDirectory, notices: review.notices)
    }
}

/// What a finished analysis must say so that a clean exit is never a silent pass
/// (issue 13): the problems that make it `not-analysed` (exit 2) and the notices for
/// standard error (problems first, then unused or undescribed devices, malformed
/// lines, and the limit checks that could not run).
struct RunReview {
    var problems: [String] = []
    var notices: [String] = []

    init(result: AnalysisResult, allowUnusedTopology: Bool, topologyGiven: Bool) {
        let coverage = result.coverage
        let files = result.input.files
        if coverage.dmaEvents == 0 {
            let names = files.map { $0 == "-" ? "standard input" : $0 }
            let what = names.count == 1 ? names[0] : "the inputs (\(names.joined(separator: ", ")))"
            problems.append("no dma:* events in \(what): were they enabled? (echo 1 > /sys/kernel/tracing/events/dma/enable; "
                + "\(result.input.lines) lines read, \(result.input.eventsUsed) iommu/swiotlb events, \(result.input.malformed) malformed)")
        } else {
            for (i, count) in coverage.dmaEventsPerFile.enumerated() where count == 0 && i < files.count {
                notices.append("\(files[i]): no dma:* events in this input")
            }
        }
        let unused = coverage.unusedTopologyDevices
        if !unused.isEmpty {
            let file = coverage.topologyFile.map { " (\($0))" } ?? ""
            let text = "topology devices absent from the trace\(file): \(unused.joined(separator: ", "))"
            if allowUnusedTopology {
                notices.append(text)
            } else {
                problems.append(text + "; a misspelt device name or the wrong topology file leaves the devices' limits unchecked "
                    + "(--allow-unused-topology accepts it)")
            }
        }
        if topologyGiven, !coverage.devicesWithoutTopology.isEmpty {
            notices.append("trace devices without a topology entry: \(coverage.devicesWithoutTopology.joined(separator: ", "))")
        }
        if result.input.malformed > 0 {
            let n = result.input.malformed
            var text = "\(n) malformed line\(n == 1 ? "" : "s") (listed in summary.json)"
            if let first = result.input.malformedLines.first { text += "; first: \(first.file):\(first.line): \(first.reason)" }
            notices.append(text)
        }
        if coverage.dmaEvents > 0 {
            notices += coverage.limitChecks.compactMap(\.summary)
        }
        notices = problems + notices
    }
}

extension AnalysisOptions {
    /// The report formats asked for (csv and json are always written).
    func reportFormats() throws -> Set<ReportFormat> {
        guard format.contains(where: { $0 != "," && !$0.isWhitespace }) else {
            throw ValidationError("--format: empty list (use a comma list of html, csv, json, sarif, junit)")
        }
        var formats: Set<ReportFormat> = [.csv, .json]
        for word in format.split(separator: ",") {
            let name = word.trimmingCharacters(in: .whitespaces).lowercased()
            if name.isEmpty { continue }
            guard let f = ReportFormat(rawValue: name) else {
                throw ValidationError("--format: unknown format '\(name)' (use html, csv, json, sarif, junit)")
            }
            formats.insert(f)
        }
        return formats
    }

    /// Loads the topology file, or exits 2 with the file, JSON path and reason.
    func loadTopology() throws -> Topology {
        guard let topology else { return Topology() }
        return try Self.loadTopology(path: topology)
    }

    /// Loads a topology file, or exits 2 with the file, JSON path and reason.
    static func loadTopology(path: String) throws -> Topology {
        do {
            return try TopologyFile.load(path: path)
        } catch {
            FileHandleStandardError.write("sgreplay: \(error)\n")
            throw ExitCode(ExitStatus.usage)
        }
    }

    /// Opens the symbol sources, or exits 2 naming the file.
    func loadSymbolizer() throws -> (any AddressSymbolizer)? {
        guard vmlinux != nil || kallsyms != nil else {
            if modules != nil { throw ValidationError("--modules needs --kallsyms (module load addresses) or --vmlinux") }
            return nil
        }
        var offset: UInt64?
        if let kaslrOffset {
            guard let value = KASLROffset.parseHex(kaslrOffset) else {
                throw ValidationError("--kaslr-offset '\(kaslrOffset)' is not a hex number")
            }
            offset = value
        }
        do {
            return try KernelSymbolizer(KernelSymbolSources(vmlinux: vmlinux, kallsyms: kallsyms, modulesDirectory: modules, kaslrOffset: offset))
        } catch {
            FileHandleStandardError.write("sgreplay: \(error)\n")
            throw ExitCode(ExitStatus.usage)
        }
    }

    /// Checks the candidate and kernel options before any input is read.
    func validateModelChoice() throws {
        if let candidate {
            guard let model = ModelCatalog.model(id: candidate), !model.isReference else {
                let names = ModelCatalog.all.filter { !$0.isReference }.map(\.id).joined(separator: ", ")
                throw ValidationError("--candidate: unknown model '\(candidate)' (candidates: \(names); see 'sgreplay models')")
            }
        }
        if let kernel {
            guard let release = KernelRelease(parsing: kernel) else {
                throw ValidationError("--kernel: '\(kernel)' is not a kernel release such as 6.18 or 6.1.0")
            }
            let known = KernelRelease.modelled
            guard known.contains(release) else {
                throw ValidationError("--kernel: \(release) is outside the releases the model knows (\(known.lowerBound) up to the 7.1 line)")
            }
        }
    }

    /// Checks the symbol options before any input is read.
    func validateSymbolChoice() throws {
        if kaslrOffset != nil, vmlinux == nil {
            throw ValidationError("--kaslr-offset needs --vmlinux (it relocates the vmlinux's link addresses; kallsyms addresses are already run-time ones)")
        }
    }
}

/// Input paths are checked before anything is analysed: a missing or unreadable
/// file is one clear line and exit 2 (CONTRACTS.md).
func checkReadable(_ paths: [String]) throws {
    for path in paths where path != "-" {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            FileHandleStandardError.write("sgreplay: \(path): no such file\n")
            throw ExitCode(ExitStatus.usage)
        }
        if isDirectory.boolValue {
            FileHandleStandardError.write("sgreplay: \(path): is a directory (use 'sgreplay audit DIR')\n")
            throw ExitCode(ExitStatus.usage)
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            FileHandleStandardError.write("sgreplay: \(path): permission denied\n")
            throw ExitCode(ExitStatus.usage)
        }
    }
}

/// `reports/<trace-basename>/`: the file name without directories and without
/// its compression and text extensions (`real.txt.xz` → `real`); `-` → `stdin`.
func defaultOutputDirectory(for trace: String) -> String {
    if trace == "-" { return "reports/stdin" }
    return "reports/\(traceStem(URL(fileURLWithPath: trace).lastPathComponent))"
}

/// A trace file name without its compression and text extensions (`real.txt.xz` → `real`).
func traceStem(_ fileName: String) -> String {
    var name = fileName
    for ext in [".xz", ".gz", ".txt", ".trace", ".log", ".report"] where name.hasSuffix(ext) && name.count > ext.count {
        name.removeLast(ext.count)
    }
    return name
}

/// The topology file beside a trace, as `make demo` and `scripts/capture.sh` lay them out:
/// `<stem>.topology.json` in the trace's directory (`x.trace`, `x.txt.xz` → `x.topology.json`),
/// else `topology.json` there (capture.sh writes `trace.txt.xz` and `topology.json`); nil when neither exists.
func sidecarTopology(for trace: String) -> String? {
    guard trace != "-" else { return nil }
    let url = URL(fileURLWithPath: trace)
    let directory = url.deletingLastPathComponent()
    for name in ["\(traceStem(url.lastPathComponent)).topology.json", "topology.json"] {
        let candidate = directory.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: candidate.path) {
            // Keep the path relative when the trace's was, as users wrote it.
            let parent = (trace as NSString).deletingLastPathComponent
            return parent.isEmpty ? name : (parent as NSString).appendingPathComponent(name)
        }
    }
    return nil
}

/// The exit status of finished runs: 2 when a run is not analysed (``AnalysisResult/problems``:
/// nothing trustworthy to report), else 3 when input was damaged (it wins over 1: what the
/// findings say is incomplete), else 1 when a finding reaches `--fail-on`'s severity or, with
/// `--fail-on …,malformed`, an input line is malformed.
func exitStatus(for results: [AnalysisResult], failOn: FailOn, isKnown: (Finding) -> Bool = { _ in false }) -> Int32 {
    if results.contains(where: { !$0.problems.isEmpty }) { return ExitStatus.usage }
    if results.contains(where: { $0.input.damaged || $0.input.interrupted }) { return ExitStatus.damaged }
    if failOn.malformed, results.contains(where: { $0.input.malformed > 0 }) { return ExitStatus.findings }
    guard let threshold = failOn.severity else { return ExitStatus.clean }
    let failing = results.contains { $0.findings.contains { $0.severity >= threshold && !isKnown($0) } }
    return failing ? ExitStatus.findings : ExitStatus.clean
}

/// One line per severity, for standard output (`1 finding`, `2 findings`).
func findingsLine(_ result: AnalysisResult) -> String {
    let counts = Dictionary(grouping: result.findings, by: \.severity).mapValues(\.count)
    return "\(result.findings.count) finding\(result.findings.count == 1 ? "" : "s") (error \(counts[.error] ?? 0), warning \(counts[.warning] ?? 0), info \(counts[.info] ?? 0))"
}

extension LimitsChoice {
    /// The replay's policy for this choice.
    var policy: LimitsPolicy { self == .given ? .given : .learned }
}
