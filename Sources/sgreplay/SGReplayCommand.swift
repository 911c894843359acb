import ArgumentParser

/// The `sgreplay` command: wiring only; every stage lives in a library module.
@main
struct SGReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sgreplay",
        abstract: "Replay Linux DMA-mapping traces through a model of the kernel's mappers and flag mapping bugs.",
        version: "sgreplay \(version)",
        subcommands: [
            AnalyzeCommand.self, AuditCommand.self, DevicesCommand.self,
            ExplainCommand.self, SymbolizeCommand.self, ModelsCommand.self, GenerateCommand.self, IngestCommand.self,
            RecordCommand.self,
        ]
    )

    /// The tool's version (`sgreplay --version`).
    static let version = "0.1.0"

    /// Runs the command line with CONTRACTS.md's exit statuses: argument-parser's
    /// usage errors (64) become 2; `ExitCode`s thrown by subcommands pass through.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                // --help / --version: argument-parser prints them itself.
                exit(withError: error)
            }
            if error is ExitCode {
                Self.exit(withError: error)
            }
            let message = fullMessage(for: error)
            if !message.isEmpty { FileHandleStandardError.write(message + "\n") }
            Self.exit(withError: ExitCode(code == .validationFailure || code.rawValue == 64 ? ExitStatus.usage : code.rawValue))
        }
    }
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
