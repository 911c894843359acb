import ArgumentParser

/// The `sgreplay` command: wiring only; every stage lives in a library module.
@main
struct SGReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sgreplay",
        abstract: "Replay Linux DMA-mapping traces through a model of the kernel's mappers and flag mapping bugs.",
        subcommands: [
            AnalyzeCommand.self, AuditCommand.self, DevicesCommand.self,
            SymbolizeCommand.self, ModelsCommand.self, GenerateCommand.self, IngestCommand.self,
        ]
    )
}

/// Exit statuses of CONTRACTS.md.
enum ExitStatus {
    /// No finding at or above `--fail-on`.
    static let clean: Int32 = 0
    /// Findings at or above `--fail-on`.
    static let findings: Int32 = 1
    /// Usage error or unreadable input: nothing analysed.
    static let usage: Int32 = 2
    /// Input damaged part-way: what was read is analysed and reported.
    static let damaged: Int32 = 3
}

/// Says plainly that a stage does not exist yet and exits 2 (no fake output).
func notYetAvailable(_ what: String) -> ExitCode {
    FileHandleStandardError.write("sgreplay: \(what) is not available yet in this build\n")
    return ExitCode(ExitStatus.usage)
}
