import ArgumentParser
import Foundation
import SGIngest

/// `sgreplay ingest TRACE...`: parse only and print the input accounting as
/// JSON (for benchmarks and for checking how a trace was read).
struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Parse traces only and print the input accounting as JSON.")

    @Argument(help: "Trace files (`-` for standard input); xz and gzip are detected by content.")
    var traces: [String]

    @Flag(help: "Also list the malformed lines (first 1000).")
    var listMalformed = false

    func run() throws {
        var accounting: InputAccounting
        do {
            accounting = try TraceReader(inputs: traces).read { _ in }
        } catch let error as IngestError {
            FileHandleStandardError.write("sgreplay: \(error)\n")
            throw ExitCode(ExitStatus.usage)
        }
        if !listMalformed { accounting.malformedLines = [] }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(accounting)
        print(String(decoding: data, as: UTF8.self))
        for message in accounting.damage { FileHandleStandardError.write("sgreplay: \(message)\n") }
        if accounting.damaged { throw ExitCode(ExitStatus.damaged) }
    }
}
