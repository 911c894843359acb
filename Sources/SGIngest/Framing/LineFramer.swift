#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Cuts a ``ByteSource`` into lines with memchr over large read(2) chunks.
///
/// Memory is bounded: one buffer that grows only to hold the longest line,
/// up to ``maxLineLength``; a longer line is reported once as overlong and its
/// bytes are skipped. A last line without a newline is a line.
final class LineFramer {
    /// Bytes asked of the source per read.
    static let readSize = 1 << 20
    /// Longest line kept whole (the biggest real DMA lines are a few tens of KiB).
    static let maxLineLength = 16 << 20

    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var start = 0
    private var end = 0
    /// True when the last `run` stopped because a signal asked for it (the partial last line dropped).
    private(set) var wasInterrupted = false

    init() {
        capacity = 4 * LineFramer.readSize
        buffer = .allocate(capacity: capacity)
    }

    deinit { buffer.deallocate() }

    /// A line handed to the consumer: its bytes (without `\n`), or an overlong marker.
    enum Line {
        case text(ByteSpan)
        case overlong(Int)
    }

    /// Reads the first chunk so the caller can inspect the decoded prefix.
    /// Returns the prefix bytes available (at most `count`).
    func prime(from source: ByteSource, count: Int) -> (prefix: [UInt8], result: SourceRead?) {
        var last: SourceRead? = nil
        while end < count {
            let r = source.read(into: buffer + end, capacity: capacity - end)
            if case .bytes(let n) = r { end += n } else { last = r; break }
        }
        return (Array(UnsafeBufferPointer(start: buffer, count: min(end, count))), last)
    }

    /// Feeds every line to `body` and returns how the source ended
    /// (nil: normally; a message: damaged).
    /// `primed` is the result `prime` returned, if it already saw the end.
    func run(source: ByteSource, primed: SourceRead?, _ body: (Line) throws -> Void) rethrows -> String? {
        var skipping = false
        var skippedBytes = 0
        var ended: SourceRead? = primed
        while true {
            // Whole lines in the buffer (locals: no per-line property access).
            let base = buffer
            var s = start
            let limit = end
            while s < limit {
                guard let p = memchr(base + s, 0x0A, limit - s) else { break }
                let nl = UnsafeMutableRawPointer(p).assumingMemoryBound(to: UInt8.self) - base
                if skipping {
                    skipping = false
                    try body(.overlong(skippedBytes + nl - s))
                } else {
                    try body(.text(ByteSpan(UnsafePointer(base + s), nl - s)))
                }
                s = nl + 1
            }
            start = s
            if case .interrupted? = ended {
                // Stopped by a signal: whole lines only; a line cut by the stop is not a line.
                wasInterrupted = true
                start = 0
                end = 0
                return nil
            }
            if let ended {
                // Last line without a newline (or cut off by damage).
                if skipping {
                    try body(.overlong(skippedBytes + end - start))
                } else if end > start {
                    try body(.text(ByteSpan(UnsafePointer(buffer + start), end - start)))
                }
                start = 0
                end = 0
                if case .damaged(let message) = ended { return message }
                return nil
            }
            // Keep the partial line, make room.
            if start > 0 {
                if end > start { memmove(buffer, buffer + start, end - start) }
                end -= start
                start = 0
            }
            if skipping {
                skippedBytes += end
                end = 0
            } else if capacity - end < LineFramer.readSize / 4 {
                if capacity < LineFramer.maxLineLength + LineFramer.readSize {
                    let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
                    grown.update(from: buffer, count: end)
                    buffer.deallocate()
                    buffer = grown
                    capacity *= 2
                } else if end >= LineFramer.maxLineLength {
                    skipping = true
                    skippedBytes = end
                    end = 0
                }
            }
            let r = source.read(into: buffer + end, capacity: capacity - end)
            switch r {
            case .bytes(let n):
                end += n
                if InputInterruption.isRequested { ended = .interrupted }
            case .end, .damaged, .interrupted: ended = r
            }
        }
    }
}
