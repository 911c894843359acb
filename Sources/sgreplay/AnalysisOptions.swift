import ArgumentParser
import Foundation
import SGModel
import SGReplay

/// What makes a run exit 1 (`--fail-on`): a comma list of at most one severity
/// threshold (`error`, `warning` or `never`; `error` when none is given) and
/// `malformed` (any malformed input line), e.g. `--fail-on error,malformed`.
struct FailOn: Equatable, CustomStringConvertible {
    /// The lowest severity that fails the run; nil for `never`.
    var severity: Severity?
    /// Malformed input lines fail the run too.
    var malformed: Bool

    static let `default` = FailOn(severity: .error, malformed: false)

    /// Parses `error`, `warning`, `never`, `malformed` and comma lists of them.
    static func parse(_ text: String) throws -> FailOn {
        var severity: Severity?? = nil
        var malformed = false
        let words = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        for word in words {
            let threshold: Severity?
            switch word {
            case "error": threshold = .error
            case "warning": threshold = .warning
            case "never": threshold = nil
            case "malformed":
                malformed = true
                continue
            default:
                throw ValidationError("'\(word)' is not error, warning, never or malformed (a comma list such as error,malformed)")
            }
            if severity != nil { throw ValidationError("give one severity threshold (error, warning or never), not '\(text)'") }
            severity = .some(threshold)
        }
        return FailOn(severity: severity ?? .error, malformed: malformed)
    }

    var description: String {
        let threshold = severity.map(\.rawValue) ?? "never"
        return malformed ? "\(threshold),malformed" : threshold
    }
}

/// Options shared by `analyze` and `audit` (CONTRACTS.md).
struct AnalysisOptions: ParsableArguments {
    @Option(help: "Topology file (JSON) with device properties the trace does not carry.")
    var topology: String?

    @Option(help: "vmlinux (ELF, with or without DWARF) to resolve call sites.")
    var vmlinux: String?

    @Option(help: "Directory of kernel modules (*.ko) for module call sites.")
    var modules: String?

    @Option(help: "A /proc/kallsyms copy (module load addresses, or symbols without a vmlinux).")
    var kallsyms: String?

    @Option(name: .customLong("kaslr-offset"), help: "KASLR offset (hex): runtime address minus link address.")
    var kaslrOffset: String?

    @Option(help: "Replay the reconstructed inputs through this candidate model too (see 'sgreplay models').")
    var candidate: String?

    @Option(help: "Output directory (default reports/<trace-basename>/).")
    var out: String?

    @Option(help: "Comma-separated outputs: html,csv,json,sarif,junit (csv and json are always written).")
    var format: String = "html,csv,json"

    @Option(name: .customLong("fail-on"),
            help: "Exit 1 on findings at or above a severity (error, warning or never) and, with 'malformed', on any malformed input line; a comma list such as error,malformed (default: error).",
            transform: FailOn.parse)
    var failOn: FailOn = .default

    @Flag(name: .customLong("allow-unused-topology"),
          help: "Accept topology devices that the trace never names (otherwise exit 2: a misspelt name or the wrong topology leaves their limits unchecked).")
    var allowUnusedTopology = false

    @Option(name: .customLong("kernel"), help: "Kernel release whose mapper behaviour to model (default: topology kernel.release, else current upstream).")
    var kernel: String?

    @Option(name: .customLong("html-findings-per-kind"), help: "How many findings of each kind get an evidence card with its picture in the HTML report (the table lists every finding up to 5000; findings.csv has all).")
    var htmlFindingsPerKind: Int = 50

    @Option(name: .customLong("limits"), help: "Segment limits that judge a device: given (the topology's, always; default) or learned (limits that reproduce the trace once the driver changed them at run time). A topology device's \"limits\" overrides this.")
    var limits: LimitsChoice = .given

    @Option(help: "Threads for a trace's analysis: 1 (everything on one thread) or 2 (reading and decoding on a thread of their own beside the replay; the findings are the same). Default: 2 when more than one CPU is available, else 1.",
            transform: AnalysisOptions.parseThreads)
    var threads: Int = AnalysisOptions.defaultThreads

    /// `--threads`: 1 or 2 (more is 2 for now: the analysis has two stages).
    static func parseThreads(_ text: String) throws -> Int {
        guard let n = Int(text), n >= 1 else { throw ValidationError("--threads must be 1 or more, not '\(text)'") }
        return n
    }

    /// 2 when the process may run on more than one online CPU (its affinity: under
    /// `taskset -c 0` that is one), else 1.
    static var defaultThreads: Int { usableCPUs > 1 ? 2 : 1 }

    /// CPUs in the process's affinity mask (what `nproc` prints: `Cpus_allowed` in
    /// /proc/self/status, as Glibc's module does not export sched_getaffinity), else those online.
    static var usableCPUs: Int {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) {
            let n = line.dropFirst("Cpus_allowed:".count).reduce(0) { $0 + (Int(String($1), radix: 16)?.nonzeroBitCount ?? 0) }
            if n > 0 { return n }
        }
        return ProcessInfo.processInfo.activeProcessorCount
    }

    /// The options every analysis takes from the command line: kernel era, limits, threads.
    func configure(_ analyzer: inout AnalyzerOptions) {
        if let kernel { analyzer.kernelRelease = KernelRelease(parsing: kernel) }
        analyzer.limits = limits.policy
        analyzer.concurrentIngest = threads >= 2
    }
}

/// `--limits`: which segment limits judge the outputs.
enum LimitsChoice: String, ExpressibleByArgument, CaseIterable {
    case given
    case learned
}
