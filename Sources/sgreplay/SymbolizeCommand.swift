import ArgumentParser

/// `sgreplay symbolize` (see CONTRACTS.md).
struct SymbolizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "symbolize", abstract: "Symbolize (not available yet).")

    @Argument(parsing: .allUnrecognized) var rest: [String] = []

    func run() throws {
        throw notYetAvailable("'symbolize'")
    }
}
