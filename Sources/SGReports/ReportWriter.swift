import Foundation
import SGReplay

/// Output formats (`--format`).
///
/// `csv` and `json` are always written (CONTRACTS.md: `summary.json`, `findings.csv`,
/// `mappings.csv` and `devices.csv` are in every output directory); `html`, `sarif`
/// and `junit` add `report.html`, `findings.sarif` and `junit.xml`.
public enum ReportFormat: String, Sendable, CaseIterable {
    case html, csv, json, sarif, junit

    /// Parses a `--format` list (`html,csv,sarif`; spaces and case ignored).
    public static func parseList(_ text: String) throws -> Set<ReportFormat> {
        var formats: Set<ReportFormat> = []
        for item in text.split(separator: ",") {
            let name = item.trimmingCharacters(in: .whitespaces).lowercased()
            guard !name.isEmpty else { continue }
            guard let format = ReportFormat(rawValue: name) else { throw UnknownFormat(name: name) }
            formats.insert(format)
        }
        return formats
    }

    /// A `--format` entry that names no format.
    public struct UnknownFormat: Error, CustomStringConvertible {
        public var name: String
        public var description: String {
            "unknown report format '\(name)' (expected a comma-separated list of: "
                + ReportFormat.allCases.map(\.rawValue).joined(separator: ", ") + ")"
        }
    }
}

/// Writes the report files of one analysis into a directory.
///
/// Output is a pure function of the ``AnalysisResult`` and the options: the same
/// input gives byte-identical files (sorted keys, stable order, no clock reads;
/// run time appears only in `summary.json`, from ``AnalysisResult/timings``).
public struct ReportWriter: Sendable {
    public var result: AnalysisResult
    public var options: ReportOptions
    /// mappings.csv already written while the replay ran (``MappingsCSVStream``): closed and
    /// renamed into place instead of written from ``AnalysisResult/mappings``.
    public var streamedMappings: MappingsCSVStream?

    public init(result: AnalysisResult, options: ReportOptions = ReportOptions()) {
        self.result = result
        self.options = options
    }

    /// The file names `write` produces for `formats`, sorted.
    public static func fileNames(for formats: Set<ReportFormat>) -> [String] {
        var names = ["devices.csv", "findings.csv", "mappings.csv", "summary.json"]
        if formats.contains(.html) { names.append("report.html") }
        if formats.contains(.sarif) { names.append("findings.sarif") }
        if formats.contains(.junit) { names.append("junit.xml") }
        return names.sorted()
    }

    /// Writes the files into `directory` (created if needed) and returns their URLs, sorted by name.
    ///
    /// Every report file a run can write that this run does not (`report.html`, `findings.sarif`,
    /// `junit.xml` of formats not asked for) is removed first: a directory reused with `--out`
    /// holds only this run's reports, never a stale `findings.sarif` a CI step would pick up.
    @discardableResult
    public func write(to directory: URL, formats: Set<ReportFormat> = Set(ReportFormat.allCases)) throws -> [URL] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let names = Self.fileNames(for: formats)
        for stale in Self.fileNames(for: Set(ReportFormat.allCases)) where !names.contains(stale) {
            let path = directory.appendingPathComponent(stale).path
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        }
        let catalog = FindingKindCatalog(overrides: result.kindExplanations)
        let url = { (name: String) in directory.appendingPathComponent(name) }

        try Self.place(url("findings.csv")) { try CSVTableWriter(url: $0, header: FindingsCSV.header).write(FindingsCSV.rows(result)) }
        if let streamedMappings {
            try streamedMappings.close()
            guard rename(streamedMappings.url.path, url("mappings.csv").path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url("mappings.csv").path])
            }
        } else {
            try Self.place(url("mappings.csv")) { try CSVTableWriter(url: $0, header: MappingsCSV.header).write(MappingsCSV.rows(result)) }
        }
        try Self.place(url("devices.csv")) { try CSVTableWriter(url: $0, header: DevicesCSV.header).write(DevicesCSV.rows(result)) }
        if formats.contains(.sarif) {
            try Self.place(url("findings.sarif")) { try SARIFReport(result: result, catalog: catalog).encoded().write(to: $0) }
        }
        if formats.contains(.junit) {
            try Self.place(url("junit.xml")) { try Data(JUnitReport(result: result, options: options, catalog: catalog).xml().utf8).write(to: $0) }
        }
        if formats.contains(.html) {
            try Self.place(url("report.html")) { try Data(HTMLReport(result: result, options: options, catalog: catalog).render().utf8).write(to: $0) }
        }
        // Last: a summary.json beside the reports says they are complete.
        try Self.place(url("summary.json")) { try SummaryDocument(result: result, outputs: names).encoded().write(to: $0) }
        return names.map(url)
    }

    /// One finding's evidence card (detail, raw trace lines, map call, picture) as a
    /// self-contained HTML page; nil when the result has no finding `id`.
    public func explainPage(findingID id: String) throws -> String? {
        try HTMLReport(result: result, options: options, catalog: FindingKindCatalog(overrides: result.kindExplanations)).renderCard(id: id)
    }

    /// Writes a file under a temporary name in its directory and renames it into place,
    /// so that whatever stops the process, a report file is either whole or absent.
    static func place(_ final: URL, _ produce: (URL) throws -> Void) throws {
        let temporary = final.deletingLastPathComponent().appendingPathComponent(".\(final.lastPathComponent).partial-\(getpid())")
        do {
            try produce(temporary)
            guard rename(temporary.path, final.path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: final.path, NSLocalizedDescriptionKey: "cannot rename into place: \(String(cString: strerror(errno)))"])
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }
}
