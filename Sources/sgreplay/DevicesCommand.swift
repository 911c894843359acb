import ArgumentParser

/// `sgreplay devices` (see CONTRACTS.md).
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "devices", abstract: "Devices (not available yet).")

    @Argument(parsing: .allUnrecognized) var rest: [String] = []

    func run() throws {
        throw notYetAvailable("'devices'")
    }
}
