import Foundation
import Testing
@testable import SGIngest
import SGTestSupport

/// Paths and helpers shared by the ingestion tests.
enum IngestFixtures {
    /// `<repo>/../shared`.
    static let shared: URL = TestPaths.shared

    static func framing(_ name: String) -> String {
        shared.appendingPathComponent("formats/framings-6.18").appendingPathComponent(name).path
    }

    /// A fresh temporary file holding `data`.
    static func temporaryFile(_ data: Data, suffix: String = ".txt") throws -> String {
        try TestFiles.temporaryFile(data, prefix: "sgingest", suffix: suffix)
    }

    /// Reads `paths` and collects every record.
    static func read(_ paths: [String]) throws -> (records: [TraceRecord], accounting: InputAccounting) {
        var records: [TraceRecord] = []
        let accounting = try TraceReader(inputs: paths).read { records.append($0) }
        return (records, accounting)
    }

    /// Reads `text` as a trace file.
    static func read(text: String) throws -> (records: [TraceRecord], accounting: InputAccounting) {
        let path = try temporaryFile(Data(text.utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try read([path])
    }

    /// The events of `records`, in order.
    static func events(_ records: [TraceRecord]) -> [TraceEvent] {
        records.compactMap { if case .event(let e) = $0.kind { return e } else { return nil } }
    }

    /// Decodes one hand-written line and returns its only event.
    static func event(_ line: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> TraceEvent {
        let (records, accounting) = try read(text: line + "\n")
        #expect(accounting.malformedLines.isEmpty, "\(accounting.malformedLines)", sourceLocation: sourceLocation)
        #expect(accounting.eventsUsed == 1, sourceLocation: sourceLocation)
        return try #require(events(records).first, sourceLocation: sourceLocation)
    }

    /// Runs a shell command with `input` on stdin and returns its stdout.
    static func shell(_ command: String, input: Data) throws -> Data {
        let inPath = try temporaryFile(input, suffix: ".in")
        defer { try? FileManager.default.removeItem(atPath: inPath) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\(command) < '\(inPath)'"]
        let stdout = Pipe()
        process.standardOutput = stdout
        try process.run()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return out
    }

    /// The 6.18 `trace` prefix used by the hand-written lines.
    static let prefix = "    kworker/2:1H-231     [002] ..... 12345.678901: "
}
