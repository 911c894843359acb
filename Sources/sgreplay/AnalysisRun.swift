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
    var symbolizer: (any AddressSymbolizer)?
    var formats: Set<ReportFormat>
    var outputDirectory: String

    /// What came of a run, for the exit status and audit's summary.
    struct Outcome {
        var result: AnalysisResult
        var directory: String
    }

    /// Analyses and writes the reports.
    func perform() throws -> Outcome {
        var analyzerOptions = AnalyzerOptions(traces: traces, topology: topology, candidate: options.candidate, symbolizer: symbolizer)
        if let kernel = options.kernel { analyzerOptions.kernelRelease = KernelRelease(parsing: kernel) }
        analyzerOptions.limits = options.limits.policy
        let started = Date()
        var result = try Analyzer(analyzerOptions).run()
        let analysed = Date()
        result.timings["analyze_total"] = analysed.timeIntervalSince(started)
        var reportOptions = ReportOptions(htmlFindingsPerKind: options.htmlFindingsPerKind)
        reportOptions.failOn = options.failOn.severity
        try ReportWriter(result: result, options: reportOptions).write(to: URL(fileURLWithPath: outputDirectory), formats: formats)
        return Outcome(result: result, directory: outputDirectory)
    }
}

extension FailOn {
    /// The lowest severity that fails the run; nil for `never`.
    var severity: Severity? {
        switch self {
        case .error: return .error
        case .warning: return .warning
        case .never: return nil
        }
    }
}

extension AnalysisOptions {
    /// The report formats asked for (csv and json are always written).
    func reportFormats() throws -> Set<ReportFormat> {
        var formats: Set<ReportFormat> = [.csv, .json]
        for word in format.split(separator: ",") {
            let name = word.trimmingCharacters(in: .whitespaces).lowercased()
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
        do {
            return try TopologyFile.load(path: topology)
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
        if let kernel, KernelRelease(parsing: kernel) == nil {
            throw ValidationError("--kernel: '\(kernel)' is not a kernel release such as 6.18 or 6.1.0")
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
    var name = URL(fileURLWithPath: trace).lastPathComponent
    for ext in [".xz", ".gz", ".txt", ".trace", ".log", ".report"] where name.hasSuffix(ext) && name.count > ext.count {
        name.removeLast(ext.count)
    }
    return "reports/\(name)"
}

/// The exit status of a finished run: 3 when input was damaged (it wins: what
/// the findings say is incomplete), else 1 when a finding reaches `--fail-on`.
func exitStatus(for results: [AnalysisResult], failOn: FailOn, isKnown: (Finding) -> Bool = { _ in false }) -> Int32 {
    if results.contains(where: { $0.input.damaged }) { return ExitStatus.damaged }
    guard let threshold = failOn.severity else { return ExitStatus.clean }
    let failing = results.contains { $0.findings.contains { $0.severity >= threshold && !isKnown($0) } }
    return failing ? ExitStatus.findings : ExitStatus.clean
}

/// One line per severity, for standard output.
func findingsLine(_ result: AnalysisResult) -> String {
    let counts = Dictionary(grouping: result.findings, by: \.severity).mapValues(\.count)
    return "\(result.findings.count) findings (error \(counts[.error] ?? 0), warning \(counts[.warning] ?? 0), info \(counts[.info] ?? 0))"
}

extension LimitsChoice {
    /// The replay's policy for this choice.
    var policy: LimitsPolicy { self == .given ? .given : .learned }
}
