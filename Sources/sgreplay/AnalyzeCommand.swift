import ArgumentParser

/// `sgreplay analyze` (see CONTRACTS.md).
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "analyze", abstract: "Analyze (not available yet).")

    @Argument(parsing: .allUnrecognized) var rest: [String] = []

    func run() throws {
        throw notYetAvailable("'analyze'")
    }
}
