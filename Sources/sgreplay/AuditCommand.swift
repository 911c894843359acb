import ArgumentParser
import Foundation
import SGIngest
import SGReplay
import SGReports
import Synchronization

/// `sgreplay audit DIR|TRACE...`: analyse many traces one by one (in parallel
/// with `--jobs`), each into `<out>/<trace-basename>/`, and fail only on
/// findings not in `--baseline`.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Analyse many traces (each separately) for CI; compare with a baseline.",
        discussion: """
            Directories are searched recursively for trace files (hidden files and files named *.json, \
            *.csv, *.html, *.md are skipped). Each trace is reported in <out>/<trace-basename>/ \
            (default out: reports/), and <out>/audit.csv lists one row per trace. Without --topology each \
            trace gets the topology file beside it: <stem>.topology.json (x.trace and x.txt.xz: x.topology.json), \
            else topology.json in its directory (scripts/capture.sh's layout). A trace with no dma:* events, \
            or (without --allow-unused-topology) with topology devices it never names, is not-analysed. \
            --baseline takes a findings.csv (of an earlier analyze or audit): findings with the same \
            kind, device and call-site symbol are known and do not fail the audit. Rows without a symbol \
            (no --vmlinux/--kallsyms and no stack) are a weak key: they match findings without a symbol of \
            the same kind, device and list shape (entries, first offsets, outputs; findings.csv's list_shape), \
            or, in a findings.csv without list_shape, any finding of that kind on that device; the audit \
            says how many matched that way.
            """
    )

    @Argument(help: "Directories and trace files.")
    var inputs: [String]

    @OptionGroup var options: AnalysisOptions

    @Option(help: "findings.csv of known findings that do not fail the audit.")
    var baseline: String?

    @Option(help: "Traces analysed at once.")
    var jobs: Int = 1

    @Flag(help: "Combine the output folders given (of analyze or audit runs, e.g. one per CI job) into --out: findings.csv with a trace column, audit.csv, summary.json, index.html. Reads no trace.")
    var merge = false

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if inputs.contains("-") { throw ValidationError("audit reads files and directories, not standard input") }
        _ = try options.reportFormats()
        try options.validateModelChoice()
        try options.validateSymbolChoice()
    }

    func run() throws {
        if merge { return try runMerge() }
        let traces = try collectTraces(inputs)
        guard !traces.isEmpty else {
            FileHandleStandardError.write("sgreplay audit: no trace files in \(inputs.joined(separator: " "))\n")
            throw ExitCode(ExitStatus.usage)
        }
        let known: FindingBaseline
        do {
            known = try baseline.map { try FindingBaseline(path: $0) } ?? FindingBaseline()
        } catch {
            FileHandleStandardError.write("sgreplay audit: baseline \(error)\n")
            throw ExitCode(ExitStatus.usage)
        }
        if let baseline, known.weakEntries > 0 {
            var text = "sgreplay audit: baseline \(baseline): \(known.weakEntries) of \(known.count) entries have no call-site symbol: "
                + "a weak key, they match any finding without a symbol of the same kind, device and list shape"
            if known.kindAndDeviceEntries > 0 {
                text += "; \(known.kindAndDeviceEntries) (no list_shape column) match any finding of the same kind on the same device"
            }
            FileHandleStandardError.write(text + " (give --vmlinux or --kallsyms, or record stacks, to key by call site)\n")
        }
        // One topology for every trace, or each trace's own beside it.
        var chosen: [(file: String?, topology: Topology)] = []
        if let given = options.topology {
            let topology = try options.loadTopology()
            chosen = Array(repeating: (given, topology), count: traces.count)
        } else {
            var loaded: [String: Topology] = [:]
            for trace in traces {
                guard let file = sidecarTopology(for: trace) else {
                    chosen.append((nil, Topology()))
                    continue
                }
                if loaded[file] == nil { loaded[file] = try AnalysisOptions.loadTopology(path: file) }
                chosen.append((file, loaded[file]!))
            }
        }
        let topologies = chosen
        let symbolizer = try options.loadSymbolizer()
        let formats = try options.reportFormats()
        let root = options.out ?? "reports"
        let directories = uniqueDirectories(for: traces, under: root)

        let outcomes = Mutex<[Int: Result<AnalysisRun.Outcome, Error>]>([:])
        let next = Atomic<Int>(0)
        let worker: @Sendable () -> Void = {
            while true {
                let i = next.add(1, ordering: .relaxed).oldValue
                guard i < traces.count else { return }
                let run = AnalysisRun(traces: [traces[i]], options: options, topology: topologies[i].topology, topologyFile: topologies[i].file,
                                      symbolizer: symbolizer, formats: formats, outputDirectory: directories[i])
                let outcome = Result { try run.perform() }
                outcomes.withLock { $0[i] = outcome }
            }
        }
        let workers = min(jobs, traces.count)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in worker() }

        var results: [AnalysisResult] = []
        let header = ["trace", "report", "lines", "events_used", "lost_events", "damaged", "errors", "warnings", "infos", "new_findings", "status"]
        var rows: [[String]] = []
        var unreadable = false
        let all = outcomes.withLock { $0 }
        for (i, trace) in traces.enumerated() {
            switch all[i]! {
            case .success(let outcome):
                let result = outcome.result
                for notice in outcome.notices { FileHandleStandardError.write("sgreplay audit: \(trace): \(notice)\n") }
                let analysed = result.problems.isEmpty
                if analysed { results.append(result) } else { unreadable = true }
                let counts = Dictionary(grouping: result.findings, by: \.severity).mapValues(\.count)
                let matches = result.findings.map(known.match)
                let new = matches.filter { $0 == nil }.count
                let weak = matches.filter { $0?.isWeak == true }.count
                rows.append([trace, directories[i], "\(result.input.lines)", "\(result.input.eventsUsed)", "\(result.input.lostEvents)", "\(result.input.damaged)", "\(counts[.error] ?? 0)", "\(counts[.warning] ?? 0)", "\(counts[.info] ?? 0)", "\(new)", analysed ? "analysed" : "not-analysed"])
                let topology = topologies[i].file.map { ", topology \($0)" } ?? ", no topology"
                print("\(trace): \(analysed ? "" : "NOT ANALYSED, ")\(findingsLine(result)), \(new) not in baseline\(weak > 0 ? " (\(weak) known only by a weak key: no call-site symbol)" : "")\(topology) → \(directories[i])/")
            case .failure(let error):
                unreadable = true
                FileHandleStandardError.write("sgreplay audit: \(error)\n")
                rows.append([trace, directories[i], "", "", "", "", "", "", "", "", "unreadable"])
            }
        }
        try AuditTable(header: header, rows: rows).write(to: root + "/audit.csv")
        var status = exitStatus(for: results, failOn: options.failOn, isKnown: known.contains)
        if unreadable && status == ExitStatus.clean { status = ExitStatus.usage }
        if status != ExitStatus.clean { throw ExitCode(status) }
    }

    /// `--merge`: the folders' findings and summaries into one folder; exit status as for a run
    /// over the same findings (not-analysed parts: 2 when nothing else fails).
    private func runMerge() throws {
        let merged: AuditMerge
        do {
            merged = try AuditMerge(roots: inputs)
        } catch {
            FileHandleStandardError.write("sgreplay audit --merge: \(error)\n")
            throw ExitCode(ExitStatus.usage)
        }
        guard !merged.parts.isEmpty else {
            FileHandleStandardError.write("sgreplay audit --merge: no output folder (summary.json + findings.csv) in \(inputs.joined(separator: " "))\n")
            throw ExitCode(ExitStatus.usage)
        }
        let out = options.out ?? "reports/merged"
        try merged.write(to: URL(fileURLWithPath: out))
        let severity = merged.header.firstIndex(of: "severity")
        let counts = Dictionary(grouping: merged.rows.compactMap { row in severity.flatMap { $0 < row.count ? row[$0] : nil } }, by: { $0 }).mapValues(\.count)
        print("\(merged.parts.count) output folder(s), \(merged.rows.count) finding\(merged.rows.count == 1 ? "" : "s") (error \(counts["error"] ?? 0), warning \(counts["warning"] ?? 0), info \(counts["info"] ?? 0)); merged into \(out)/")
        var failing = false
        if let threshold = options.failOn.severity {
            failing = counts.contains { key, n in n > 0 && (Severity(rawValue: key).map { $0 >= threshold } ?? false) }
        }
        if failing { throw ExitCode(ExitStatus.findings) }
        if merged.parts.contains(where: { $0.status != "analysed" }) { throw ExitCode(ExitStatus.usage) }
    }

    /// Trace files named directly, and those found under directories, in a stable order.
    private func collectTraces(_ inputs: [String]) throws -> [String] {
        var traces: [String] = []
        let skipped = [".json", ".csv", ".html", ".md", ".sarif", ".xml", ".png"]
        for input in inputs {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
                FileHandleStandardError.write("sgreplay audit: \(input): no such file or directory\n")
                throw ExitCode(ExitStatus.usage)
            }
            guard isDirectory.boolValue else {
                traces.append(input)
                continue
            }
            let base = URL(fileURLWithPath: input)
            guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles]) else { continue }
            var found: [String] = []
            for case let url as URL in walker {
                guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
                let name = url.lastPathComponent
                if skipped.contains(where: { name.hasSuffix($0) }) { continue }
                found.append(url.path)
            }
            traces += found.sorted()
        }
        return traces
    }

    /// `<root>/<basename>`, with `-2`, `-3` … where two traces share a basename.
    private func uniqueDirectories(for traces: [String], under root: String) -> [String] {
        var seen: [String: Int] = [:]
        return traces.map { trace in
            let name = String(defaultOutputDirectory(for: trace).dropFirst("reports/".count))
            seen[name, default: 0] += 1
            let n = seen[name]!
            return "\(root)/\(n == 1 ? name : "\(name)-\(n)")"
        }
    }
}
