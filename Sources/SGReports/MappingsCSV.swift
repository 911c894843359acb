import Foundation
import SGIngest
import SGReplay

/// `mappings.csv`: one row per reconstructed mapping, columns as CONTRACTS.md lists them.
/// `unmap_line` and `time_unmap` are empty for mappings never unmapped in the trace.
struct MappingsCSV {
    static let header = ["map_line", "unmap_line", "device", "dir", "nents", "ents", "first_dma", "total_len",
                         "time_map", "time_unmap"]

    static func row(_ m: MappingRecord) -> [String] {
        [String(m.mapLine), m.unmapLine.map(String.init) ?? "", m.device, m.direction, String(m.nents), String(m.ents),
         ValueFormat.hex(m.firstDMA), String(m.totalLength), ValueFormat.seconds(m.timeMap),
         m.timeUnmap.map(ValueFormat.seconds) ?? ""]
    }

    static func rows(_ result: AnalysisResult) -> LazyMapSequence<[MappingRecord], [String]> {
        result.mappings.lazy.map(row)
    }
}

/// `mappings.csv` written while the replay runs (``AnalyzerOptions/mappingRows``): each
/// row as its mapping settles, so a long trace never holds its rows in memory. Written
/// to a temporary file in the output directory, renamed into place by ``ReportWriter``
/// (``ReportWriter/streamedMappings``).
///
/// Formatting and writing happen on a thread of their own: the replay hands rows over in
/// batches through a bounded ``BatchChannel`` and goes on. A write error stops the writer;
/// it is thrown by the next ``write(_:)`` after it is seen, and by ``close()``.
public final class MappingsCSVStream: MappingRowSink, @unchecked Sendable {
    /// The temporary file the rows go to.
    public let url: URL
    private let channel = BatchChannel<MappingRecord, Void>(depth: 8)
    private var batch: [MappingRecord] = []
    private var closed = false
    /// The writer thread's end: its error, set before it leaves `done`.
    private final class WriterEnd: @unchecked Sendable {
        var error: (any Error)?
        let done = DispatchGroup()
    }
    private let end = WriterEnd()
    static let batchSize = 1024

    /// Starts `.mappings.csv.partial-PID` in `directory` (created if needed).
    public init(directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        url = directory.appendingPathComponent(".mappings.csv.partial-\(getpid())")
        let file = try CSVFileStream(url: url, header: MappingsCSV.header)
        let channel = self.channel
        let end = self.end
        end.done.enter()
        let thread = Thread {
            do {
                while let rows = channel.pop() {
                    for row in rows { try file.write(MappingsCSV.row(row)) }
                }
                try file.close()
            } catch {
                try? file.close()
                end.error = error
                channel.stop()
            }
            end.done.leave()
        }
        thread.name = "sgreplay-mappings-csv"
        thread.start()
        batch.reserveCapacity(Self.batchSize)
    }

    public func write(_ row: MappingRecord) throws {
        batch.append(row)
        if batch.count >= Self.batchSize { try flush() }
    }

    private func flush() throws {
        guard !batch.isEmpty else { return }
        let full = batch
        batch = []
        batch.reserveCapacity(Self.batchSize)
        if !channel.push(full) { try waitForWriter() }
    }

    private func waitForWriter() throws {
        end.done.wait()
        if let error = end.error { throw error }
    }

    /// Writes what is batched, waits for the writer and finishes the file (``ReportWriter``
    /// does this before renaming it).
    public func close() throws {
        guard !closed else { return }
        closed = true
        let full = batch
        batch = []
        if !full.isEmpty { _ = channel.push(full) }
        channel.finish(.success(()))
        try waitForWriter()
    }

    deinit {
        // Never closed (an analysis that threw): let the writer end.
        if !closed { channel.finish(.success(())) }
    }
}
