import Foundation
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
public final class MappingsCSVStream: MappingRowSink, @unchecked Sendable {
    /// The temporary file the rows go to.
    public let url: URL
    private let file: CSVFileStream

    /// Starts `.mappings.csv.partial-PID` in `directory` (created if needed).
    public init(directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        url = directory.appendingPathComponent(".mappings.csv.partial-\(getpid())")
        file = try CSVFileStream(url: url, header: MappingsCSV.header)
    }

    public func write(_ row: MappingRecord) throws {
        try file.write(MappingsCSV.row(row))
    }

    /// Finishes the file (``ReportWriter`` does this before renaming it).
    public func close() throws {
        try file.close()
    }
}
