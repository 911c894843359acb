import ArgumentParser

/// `sgreplay models` (see CONTRACTS.md).
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "models", abstract: "Models (not available yet).")

    @Argument(parsing: .allUnrecognized) var rest: [String] = []

    func run() throws {
        throw notYetAvailable("'models'")
    }
}
