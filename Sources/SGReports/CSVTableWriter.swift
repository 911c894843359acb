import CSV
import Foundation

/// Writes one RFC 4180 CSV file (header row, CRLF line ends, quoting by CSV.swift's
/// `CSVWriter`) in batches, so that millions of rows neither hold the whole file in
/// memory nor cost a system call per byte.
struct CSVTableWriter {
    let url: URL
    let header: [String]
    var batchSize = 20_000

    /// Writes the header and every row that `rows` yields, then a final CRLF.
    func write<Rows: Sequence>(_ rows: Rows) throws where Rows.Element == [String] {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: url.path])
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var batch: [[String]] = [header]
        batch.reserveCapacity(batchSize)
        for row in rows {
            batch.append(row)
            if batch.count >= batchSize {
                try handle.write(contentsOf: try Self.encode(batch))
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try handle.write(contentsOf: try Self.encode(batch)) }
    }

    /// Encodes rows, each terminated by CRLF.
    static func encode(_ rows: [[String]]) throws -> Data {
        let stream = OutputStream.toMemory()
        stream.open()
        let writer = try CSVWriter(stream: stream, newline: .crlf)
        for row in rows { try writer.write(row: row) }
        stream.close()
        // Copy the stream's buffer out as one block: bridging it with `as? Data` walks it byte by byte.
        var data = Data()
        if let buffer = stream.property(forKey: .dataWrittenToMemoryStreamKey) as? NSData {
            data = Data(bytes: buffer.bytes, count: buffer.length)
        }
        data.append(contentsOf: [0x0d, 0x0a])
        return data
    }
}
