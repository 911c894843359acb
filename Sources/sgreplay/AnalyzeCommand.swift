import ArgumentParser
import Foundation
import SGIngest
import SGReplay
import SGReports

/// `sgreplay analyze TRACE...`: reconstruct, replay, check, report (CONTRACTS.md).
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Analyse DMA-mapping traces and write reports.",
        discussion: """
            TRACE is ftrace text (trace, trace_pipe), trace-cmd report or perf script text, plain, xz or gzip \
            (detected from magic bytes), or '-' for standard input. Several traces are analysed as one run. \
            Exit status: 0 clean, 1 findings at or above --fail-on (or malformed lines with --fail-on ...,malformed), \
            2 usage error, unreadable input or nothing analysed (no dma:* events; topology devices absent from \
            the trace without --allow-unused-topology; the reports are still written and summary.json says why), \
            3 input damaged part-way, or stopped by SIGINT/SIGTERM (what was read is still analysed and \
            reported; a second signal ends at once). With '-', each error finding is also printed on \
            standard error as soon as it is made (a live trace_pipe session).
            """
    )

    @Argument(help: "Trace files, or '-' for standard input.")
    var traces: [String]

    @OptionGroup var options: AnalysisOptions

    func validate() throws {
        if traces.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input ('-') can be given once") }
        _ = try options.reportFormats()
        try options.validateModelChoice()
        try options.validateSymbolChoice()
    }

    func run() throws {
        try checkReadable(traces)
        SignalHandling.install()
        var run = AnalysisRun(
            traces: traces, options: options, topology: try options.loadTopology(), topologyFile: options.topology,
            symbolizer: try options.loadSymbolizer(), formats: try options.reportFormats(),
            outputDirectory: options.out ?? defaultOutputDirectory(for: traces[0]))
        run.live = traces.contains("-")
        let progress = ProgressBar(inputs: traces, label: "analysing")
        progress.start()
        let outcome: AnalysisRun.Outcome
        do {
            outcome = try run.perform()
        } catch let error as IngestError {
            progress.stop()
            FileHandleStandardError.write("sgreplay: \(error)\n")
            throw ExitCode(ExitStatus.usage)
        } catch {
            progress.stop()
            FileHandleStandardError.write("sgreplay: cannot write the reports to \(run.outputDirectory): \(error.localizedDescription)\n")
            throw ExitCode(ExitStatus.usage)
        }
        progress.stop()
        let result = outcome.result
        for message in result.input.damage { FileHandleStandardError.write("sgreplay: \(message)\n") }
        if result.input.interrupted {
            let signal = result.input.interruptedBy.map(SignalName.name) ?? "a signal"
            FileHandleStandardError.write("sgreplay: input cut short by \(signal): the \(result.input.lines) lines read are analysed and reported; \(result.liveAtInterruption) mapping(s) still live are not reported as leaks\n")
        }
        for notice in outcome.notices { FileHandleStandardError.write("sgreplay: \(notice)\n") }
        print("\(result.input.lines) lines, \(result.input.eventsUsed) DMA/IOMMU events, \(result.input.lostEvents) lost; \(findingsLine(result)); reports in \(outcome.directory)/")
        let status = exitStatus(for: [result], failOn: options.failOn)
        if status != ExitStatus.clean { throw ExitCode(status) }
    }
}
