import Foundation

/// Writes one RFC 4180 CSV file (header row, CRLF line ends) by formatting
/// fields straight into a byte buffer that is flushed in 1 MiB blocks, so that
/// millions of rows neither hold the whole file in memory nor cost a system call
/// per row.
///
/// Plain code, not CSV.swift: its writer tests every field for quoting through
/// Foundation's `NSString.range(of:)` and writes through an `OutputStream`,
/// which was half of a whole `analyze` (perf, 100 MB generated trace: 49 % of
/// the run in `CSVTableWriter.write`). Fields are quoted only when they hold
/// `,` `"` CR or LF (inner quotes doubled). A field from trace text that starts
/// with `=`, `+`, `-` or `@` and is not a number gets a leading `'`, so a
/// spreadsheet that opens the file does not run it as a formula.
struct CSVTableWriter {
    let url: URL
    let header: [String]
    /// Bytes buffered before a write to the file.
    var blockSize = 1 << 20

    /// Writes the header and every row that `rows` yields, then a final CRLF.
    func write<Rows: Sequence>(_ rows: Rows) throws where Rows.Element == [String] {
        let file = try CSVFileStream(url: url, header: header, blockSize: blockSize)
        for row in rows { try file.write(row) }
        try file.close()
    }

    /// Appends one row's fields, comma-separated, without the line end.
    static func append(row: [String], to buffer: inout [UInt8]) {
        for (i, field) in row.enumerated() {
            if i > 0 { buffer.append(0x2c) }
            append(field: field, to: &buffer)
        }
    }

    /// Appends one field, quoted when RFC 4180 needs it and defused when a spreadsheet would run it.
    static func append(field: String, to buffer: inout [UInt8]) {
        var field = field
        field.withUTF8 { bytes in
            var needsQuotes = false
            for b in bytes where b == 0x2c || b == 0x22 || b == 0x0d || b == 0x0a {
                needsQuotes = true
                break
            }
            let defuse = startsLikeAFormula(bytes)
            if !needsQuotes && !defuse {
                buffer.append(contentsOf: bytes)
                return
            }
            if needsQuotes { buffer.append(0x22) }
            if defuse { buffer.append(0x27) }
            for b in bytes {
                buffer.append(b)
                if b == 0x22 { buffer.append(0x22) }
            }
            if needsQuotes { buffer.append(0x22) }
        }
    }

    /// `=`, `+`, `-` or `@` first, and not data: a lone sign (`-` as a placeholder) or a
    /// signed decimal or `0x` number (`-1`, `+0x10`, `-0.5`).
    static func startsLikeAFormula(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = bytes.first else { return false }
        switch first {
        case 0x3d, 0x40: return true // = @
        case 0x2b, 0x2d: break // + -
        default: return false
        }
        guard bytes.count > 1 else { return false }
        var k = 1
        var hex = false
        if bytes.count > 3, bytes[1] == 0x30, bytes[2] | 0x20 == 0x78 { hex = true; k = 3 }
        var dots = 0, digits = 0
        while k < bytes.count {
            let b = bytes[k]
            if b &- 0x30 <= 9 || (hex && (b | 0x20) &- 0x61 <= 5) {
                digits += 1
            } else if b == 0x2e, !hex, dots == 0 {
                dots += 1
            } else {
                return true
            }
            k += 1
        }
        return digits == 0
    }
}

/// A CSV file written row by row as rows become known (``CSVTableWriter``'s format).
/// Used by one thread at a time (``MappingsCSVStream`` hands it to its writer thread).
final class CSVFileStream: @unchecked Sendable {
    private let handle: FileHandle
    private let blockSize: Int
    private var buffer: [UInt8] = []
    private var closed = false

    init(url: URL, header: [String], blockSize: Int = 1 << 20) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: url.path])
        }
        handle = try FileHandle(forWritingTo: url)
        self.blockSize = blockSize
        buffer.reserveCapacity(blockSize + 4096)
        CSVTableWriter.append(row: header, to: &buffer)
    }

    deinit { try? handle.close() }

    func write(_ row: [String]) throws {
        buffer.append(contentsOf: [0x0d, 0x0a])
        CSVTableWriter.append(row: row, to: &buffer)
        if buffer.count >= blockSize {
            try handle.write(contentsOf: buffer)
            buffer.removeAll(keepingCapacity: true)
        }
    }

    /// Writes the final CRLF and what is buffered, and closes the file.
    func close() throws {
        guard !closed else { return }
        closed = true
        buffer.append(contentsOf: [0x0d, 0x0a])
        try handle.write(contentsOf: buffer)
        try handle.close()
    }
}
