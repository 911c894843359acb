import ArgumentParser
import Foundation
import SGIngest
import SGModel
import SGReplay
import SGReports

/// `sgreplay explain TRACE... ID`: analyses the traces again (same options as
/// `analyze`) and writes one finding's evidence card as a self-contained HTML page.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Write one finding's evidence card (detail, raw trace lines, picture) as a self-contained HTML file.",
        discussion: """
            The traces are analysed again with the given options (use the same as for analyze: finding ids \
            depend on them), and the card of finding ID (F000123, or 123) is written to --out (default \
            ID.html). No other report is written. Exit status: 0 written; 2 usage error, unreadable input, \
            or no finding with that id.
            """
    )

    @Argument(help: "Trace files, then the finding id (F000123).")
    var arguments: [String]

    @OptionGroup var options: AnalysisOptions

    /// `F000123` from `F000123`, `f123` or `123`.
    static func normalise(_ id: String) -> String? {
        let digits = id.uppercased().hasPrefix("F") ? String(id.dropFirst()) : id
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let n = Int(digits), n > 0 else { return nil }
        let text = String(n)
        return "F" + String(repeating: "0", count: max(0, 6 - text.count)) + text
    }

    func validate() throws {
        guard arguments.count >= 2 else { throw ValidationError("give the traces and then a finding id, e.g. sgreplay explain trace.txt F000123") }
        guard Self.normalise(arguments.last!) != nil else { throw ValidationError("'\(arguments.last!)' is not a finding id such as F000123") }
        try options.validateModelChoice()
        try options.validateSymbolChoice()
    }

    func run() throws {
        let traces = Array(arguments.dropLast())
        let id = Self.normalise(arguments.last!)!
        try checkReadable(traces)
        var analyzerOptions = AnalyzerOptions(traces: traces, topology: try options.loadTopology(), candidate: options.candidate,
                                              symbolizer: try options.loadSymbolizer())
        options.configure(&analyzerOptions)
        let result: AnalysisResult
        do {
            result = try Analyzer(analyzerOptions).run()
        } catch {
            FileHandleStandardError.write("sgreplay: \(error)\n")
            throw ExitCode(ExitStatus.usage)
        }
        guard let page = try ReportWriter(result: result).explainPage(findingID: id) else {
            let range = result.findings.isEmpty ? "the run has no findings" : "the run has \(result.findings.first!.id) to \(result.findings.last!.id)"
            FileHandleStandardError.write("sgreplay: no finding \(id) in this analysis (\(range); ids depend on the traces and options)\n")
            throw ExitCode(ExitStatus.usage)
        }
        let out = options.out ?? "\(id).html"
        do {
            try Data(page.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
        } catch {
            FileHandleStandardError.write("sgreplay: cannot write \(out): \(error.localizedDescription)\n")
            throw ExitCode(ExitStatus.usage)
        }
        print("\(id): written to \(out)")
    }
}
