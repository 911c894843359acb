#if canImport(Glibc)
import Glibc
#endif

/// Selected raw lines of a trace file, by line number (1-based, as ``TraceRecord/line``
/// counts them), read again after an analysis for the evidence a report quotes.
///
/// One pass over the file through the same readers as ingest (plain, xz, gzip by magic
/// bytes), `memchr` over a 1 MiB buffer, stopping after the last wanted line: the cost is
/// that of reading the file up to there, not of building a line per line.
public enum TraceLineLookup {
    /// The wanted lines that exist, each cut to `maxBytes` (a cut line ends with the bytes
    /// it had; the caller marks it). `nil` when the file cannot be opened or is a trace.dat.
    public static func lines(in path: String, wanted: Set<Int>, maxBytes: Int) -> [Int: [UInt8]]? {
        guard let last = wanted.max(), last >= 1,
              let input = try? OpenedInput.open(path), input.format != .traceDat else { return nil }
        let capacity = 1 << 20
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var found: [Int: [UInt8]] = [:]
        var line = 1
        var current: [UInt8] = []
        var collecting = wanted.contains(1)
        reading: while line <= last {
            guard case .bytes(let n) = input.source.read(into: buffer, capacity: capacity) else { break }
            var start = 0
            while start < n {
                let rest = n - start
                let hit = memchr(buffer + start, 0x0A, rest)
                let end = hit.map { UnsafeMutablePointer<UInt8>($0.assumingMemoryBound(to: UInt8.self)) - buffer } ?? n
                if collecting, current.count < maxBytes {
                    current.append(contentsOf: UnsafeBufferPointer(start: buffer + start, count: min(end - start, maxBytes - current.count)))
                }
                guard hit != nil else { break }
                if collecting { found[line] = current; current.removeAll(keepingCapacity: true) }
                line += 1
                if line > last { break reading }
                collecting = wanted.contains(line)
                start = end + 1
            }
        }
        if collecting, line <= last, !current.isEmpty { found[line] = current }
        return found
    }
}
