import ArgumentParser

/// `sgreplay generate` (see CONTRACTS.md).
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "Generate (not available yet).")

    @Argument(parsing: .allUnrecognized) var rest: [String] = []

    func run() throws {
        throw notYetAvailable("'generate'")
    }
}
