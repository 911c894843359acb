import Foundation

/// Raw trace lines, read again from the trace files for the evidence cards: one pass
/// per file, keeping only the lines asked for. Plain files are read directly, xz and
/// gzip ones (told by their magic bytes) through `xz -dc` / `gzip -dc`; standard input,
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
        guard (try? FileManager.default.attributesOfItem(atPath: file)[.type] as? FileAttributeType) == .typeRegular else { return nil }
        guard let handle = FileHandle(forReadingAtPath: file) else { return nil }
        let magic = (try? handle.read(upToCount: 6)) ?? Data()
        try? handle.seek(toOffset: 0)
        var process: Process?
        var source = handle
        if magic.starts(with: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) || magic.starts(with: [0x1F, 0x8B]) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = [magic.first == 0x1F ? "gzip" : "xz", "-dc"]
            let pipe = Pipe()
            p.standardInput = handle
            p.standardOutput = pipe
            p.standardError = FileHandle.nullDevice
            do { try p.run() } catch { return nil }
            process = p
            source = pipe.fileHandleForReading
        }
        defer {
            if let process, process.isRunning { process.terminate() }
            process?.waitUntilExit()
            try? handle.close()
        }
        let last = lines.max() ?? 0
        var found: [Int: String] = [:]
        var line = 1
        var current = Data()
        while line <= last, let chunk = try? source.read(upToCount: 1 << 20), !chunk.isEmpty {
            var start = chunk.startIndex
            while line <= last, let nl = chunk[start...].firstIndex(of: 0x0A) {
                if lines.contains(line) {
                    current.append(chunk[start..<nl])
                    found[line] = text(current)
                }
                current.removeAll(keepingCapacity: true)
                line += 1
                start = nl + 1
            }
            if lines.contains(line), current.count < maxLineLength * 4 { current.append(chunk[start...].prefix(maxLineLength * 4)) }
        }
        if line <= last, lines.contains(line), !current.isEmpty { found[line] = text(current) }
        return found
    }

    private static func text(_ data: Data) -> String {
        var s = String(decoding: data, as: UTF8.self)
        if s.hasSuffix("\r") { s.removeLast() }
        if s.count > maxLineLength { s = String(s.prefix(maxLineLength)) + "…" }
        return s
    }
}
