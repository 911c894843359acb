import Foundation
import SGIngest

/// Raw trace lines, read again from the trace files for the evidence cards: one pass
/// per file, keeping only the lines asked for (``TraceLineLookup``: plain, xz and gzip
/// through ingest's own readers); standard input,
/// FIFOs and other non-regular files, and files that cannot be read give no quotes (the card says so).
enum TraceLineQuotes {
    /// Longest quoted line; longer ones are cut with `…`.
    static let maxLineLength = 2000

    /// `[file: [line: text]]` for the wanted lines that exist.
    static func read(_ wanted: [String: Set<Int>]) -> [String: [Int: String]] {
        var out: [String: [Int: String]] = [:]
        for (file, lines) in wanted where file != "-" && !lines.isEmpty {
            if let found = read(file: file, lines: lines) { out[file] = found }
        }
        return out
    }

    private static func read(file: String, lines: Set<Int>) -> [Int: String]? {
        // Only regular files: a FIFO or a device was consumed by the analysis and would block or differ.
        guard (try? FileManager.default.attributesOfItem(atPath: file)[.type] as? FileAttributeType) == .typeRegular,
              let raw = TraceLineLookup.lines(in: file, wanted: lines, maxBytes: maxLineLength * 4) else { return nil }
        return raw.mapValues { text($0) }
    }

    private static func text(_ bytes: [UInt8]) -> String {
        var s = String(decoding: bytes, as: UTF8.self)
        if s.hasSuffix("\r") { s.removeLast() }
        if s.count > maxLineLength { s = String(s.prefix(maxLineLength)) + "…" }
        return s
    }
}
