#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads trace files (ftrace text, trace-cmd report, perf script; plain, xz or
/// gzip by magic bytes; `-` for standard input; trace-cmd's binary trace.dat
/// v6/v7 through libtracecmd, see ``TraceDatIngest``) as a stream of ``TraceRecord``s.
///
/// Memory stays bounded: lines are framed from fixed-size buffers and decoded
/// from bytes. Malformed lines never stop a read; they are counted in the
/// returned ``InputAccounting``. A truncated or corrupt compressed stream ends
/// that file, sets ``InputAccounting/damaged`` and keeps what was read.
public struct TraceReader: Sendable {
    /// Paths to read, in order; `-` is standard input.
    public var inputs: [String]

    public init(inputs: [String]) {
        self.inputs = inputs
    }

    /// Streams every record of every input, in file order, to `body`.
    /// - Throws: ``IngestError/unreadable(path:reason:)`` when an input cannot be
    ///   opened (before any record of it is delivered). Named files are all
    ///   checked before the first record of the run is delivered.
    public func read(_ body: (TraceRecord) throws -> Void) throws -> InputAccounting {
        for path in inputs where path != "-" {
            _ = try OpenedInput.open(path)
        }
        var total = InputAccounting()
        var decoder = PayloadDecoder()
        for (index, path) in inputs.enumerated() {
            if InputInterruption.isRequested {
                // Stopped by a signal before this file: it was not read.
                total.interrupted = true
                total.interruptedBy = InputInterruption.signal
                break
            }
            var opened = try OpenedInput.open(path)
            if opened.format == .xz || opened.format == .gzip, path != "-" {
                if let unpacked = try CompressedTraceDat.unpack(opened, path: path) {
                    defer { unlink(unpacked.file) }
                    var dat = TraceDatIngest(path: path, fileIndex: index,
                                             malformedRoom: max(0, FileIngest.malformedListLimit - total.malformedLines.count))
                    dat.file = unpacked.file
                    try dat.run(strings: &decoder.strings, body)
                    if let damage = unpacked.damage { dat.noteCompressionDamage(damage) }
                    total.merge(dat.accounting)
                    continue
                }
                opened = try OpenedInput.open(path) // not a trace.dat: read it again from the start
            }
            if opened.format == .traceDat {
                var dat = TraceDatIngest(path: path, fileIndex: index,
                                         malformedRoom: max(0, FileIngest.malformedListLimit - total.malformedLines.count))
                try dat.run(strings: &decoder.strings, body)
                total.merge(dat.accounting)
                continue
            }
            var file = FileIngest(path: path, fileIndex: index,
                                  malformedRoom: max(0, FileIngest.malformedListLimit - total.malformedLines.count))
            try file.run(opened, decoder: &decoder, body)
            total.merge(file.accounting)
        }
        return total
    }
}

/// Errors that stop ingestion of an input.
public enum IngestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A missing or unreadable file: nothing of it was read.
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "\(path): \(reason)"
        }
    }
}
