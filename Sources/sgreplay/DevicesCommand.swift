import ArgumentParser
import Foundation
import SGIngest
import SGReplay

/// `sgreplay devices` (see CONTRACTS.md): the devices a trace shows, with the
/// properties inferred from it (topology values win); `--json` writes them as
/// a topology file to edit.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "Print the devices of a trace and their inferred properties.",
        discussion: "Exit status: 0 done; 2 unreadable input or bad topology file; 3 input damaged part-way (what was read is shown)."
    )

    @Argument(help: "Trace files (plain, xz or gzip), or - for standard input.") var traces: [String]
    @Option(help: "Topology file (JSON) whose values override inferred ones.") var topology: String?
    @Flag(help: "Write a topology file (JSON) instead of the table.") var json = false
    @Option(help: "Write the output to this file instead of standard output.") var out: String?

    func run() throws {
        var inference: DeviceInference
        do {
            inference = DeviceInference(topology: try topology.map { try TopologyFile.load(path: $0) } ?? Topology())
        } catch {
            FileHandleStandardError.write("sgreplay: bad topology file: \(error)\n")
            throw ExitCode(ExitStatus.usage)
        }
        let accounting: InputAccounting
        do {
            accounting = try TraceReader(inputs: traces).read { record in
                if case .event(let event) = record.kind { inference.observe(event) }
            }
        } catch {
            FileHandleStandardError.write("sgreplay: \(error)\n")
            throw ExitCode(ExitStatus.usage)
        }
        let text = json ? inference.topologyFile().json() : DeviceTable.render(inference)
        if json, !inference.lowerBounds.isEmpty {
            FileHandleStandardError.write("sgreplay: not written (only lower bounds seen in the trace; add the real values if known):\n")
            for line in inference.lowerBounds { FileHandleStandardError.write("  \(line)\n") }
        }
        if let out {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: out))
            } catch {
                FileHandleStandardError.write("sgreplay: cannot write \(out): \(error.localizedDescription)\n")
                throw ExitCode(ExitStatus.usage)
            }
        } else {
            print(text, terminator: "")
        }
        if accounting.damaged {
            FileHandleStandardError.write("sgreplay: input damaged part-way; devices shown from what was read\n")
            throw ExitCode(ExitStatus.damaged)
        }
    }
}
