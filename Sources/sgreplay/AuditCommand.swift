import ArgumentParser

/// `sgreplay audit` (see CONTRACTS.md).
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Audit (not available yet).")

    @Argument(parsing: .allUnrecognized) var rest: [String] = []

    func run() throws {
        throw notYetAvailable("'audit'")
    }
}
