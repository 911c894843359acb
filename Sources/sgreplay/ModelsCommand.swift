import ArgumentParser
import SGModel

/// `sgreplay models` (see CONTRACTS.md): the reference and candidate mapper models, one line each.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "List the reference and candidate mapper models (for --candidate).")

    func run() throws {
        for line in ModelCatalog.listing() { print(line) }
    }
}
