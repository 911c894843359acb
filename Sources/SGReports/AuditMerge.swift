import CSV
import Foundation

/// `sgreplay audit --merge DIR...`: combines the output folders of many `analyze` or
/// `audit` runs (one trace each, made by separate jobs on any runner: a CI matrix,
/// Kubernetes Jobs, a batch scheduler) without reading a trace again.
///
/// Every folder below the given ones that holds a `summary.json` and a `findings.csv`
/// is one analysed trace. The merged folder gets `findings.csv` (every finding, the
/// CONTRACTS columns plus `trace` and `report` at the end), `audit.csv` (one row per
/// folder), `summary.json` (totals by kind and severity, and each folder's status) and
/// `index.html` (a table linking each folder's own report).
public struct AuditMerge: Sendable {
    /// One merged folder.
    public struct Part: Sendable, Equatable {
        public var directory: String
        public var traces: [String]
        public var status: String
        public var findings: Int
        public var bySeverity: [String: Int]
    }

    public private(set) var parts: [Part] = []
    public private(set) var header: [String] = []
    public private(set) var rows: [[String]] = []

    /// Reads every output folder at or below `roots`; throws naming the file that cannot be read.
    public init(roots: [String]) throws {
        var folders: [String] = []
        for root in roots {
            let enumerator = FileManager.default.enumerator(atPath: root)
            if FileManager.default.fileExists(atPath: root + "/summary.json") { folders.append(root) }
            while let item = enumerator?.nextObject() as? String {
                guard item.hasSuffix("summary.json"), (item as NSString).lastPathComponent == "summary.json" else { continue }
                let folder = (root as NSString).appendingPathComponent((item as NSString).deletingLastPathComponent)
                if folder != root { folders.append(folder) }
            }
        }
        for folder in Set(folders).sorted() {
            let summaryPath = folder + "/summary.json"
            guard let object = try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: summaryPath))) as? [String: Any] else {
                throw MergeError(file: summaryPath, reason: "not a summary.json of sgreplay")
            }
            let findings = object["findings"] as? [String: Any]
            let traces = object["traces"] as? [String] ?? []
            parts.append(Part(directory: folder, traces: traces, status: object["status"] as? String ?? "analysed",
                              findings: findings?["total"] as? Int ?? 0, bySeverity: findings?["by_severity"] as? [String: Int] ?? [:]))
            let csvPath = folder + "/findings.csv"
            guard let text = try? String(contentsOfFile: csvPath, encoding: .utf8) else {
                throw MergeError(file: csvPath, reason: "missing or unreadable")
            }
            let reader: CSVReader
            do { reader = try CSVReader(string: text, hasHeaderRow: true) } catch { throw MergeError(file: csvPath, reason: "\(error)") }
            let columns = reader.headerRow ?? []
            if header.isEmpty { header = columns + ["trace", "report"] }
            guard columns == Array(header.dropLast(2)) else {
                throw MergeError(file: csvPath, reason: "its columns differ from the first folder's (an output of another sgreplay version?)")
            }
            while let row = reader.next() {
                rows.append(row + [traces.joined(separator: " "), folder])
            }
            if let error = reader.error { throw MergeError(file: csvPath, reason: "\(error)") }
        }
    }

    /// Writes the merged folder.
    public func write(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try ReportWriter.place(directory.appendingPathComponent("findings.csv")) { try CSVTableWriter(url: $0, header: header).write(rows) }
        let auditHeader = ["trace", "report", "status", "findings", "errors", "warnings", "infos"]
        let auditRows = parts.map { p in
            [p.traces.joined(separator: " "), p.directory, p.status, String(p.findings),
             String(p.bySeverity["error"] ?? 0), String(p.bySeverity["warning"] ?? 0), String(p.bySeverity["info"] ?? 0)]
        }
        try ReportWriter.place(directory.appendingPathComponent("audit.csv")) { try CSVTableWriter(url: $0, header: auditHeader).write(auditRows) }
        var bySeverity: [String: Int] = [:], byKind: [String: Int] = [:]
        let kind = header.firstIndex(of: "kind"), severity = header.firstIndex(of: "severity")
        for row in rows {
            if let kind, kind < row.count { byKind[row[kind], default: 0] += 1 }
            if let severity, severity < row.count { bySeverity[row[severity], default: 0] += 1 }
        }
        let summary: [String: Any] = [
            "tool": "sgreplay", "merged": parts.count,
            "not_analysed": parts.filter { $0.status != "analysed" }.map(\.directory),
            "findings": ["total": rows.count, "by_kind": byKind, "by_severity": bySeverity],
            "parts": parts.map { ["report": $0.directory, "traces": $0.traces, "status": $0.status, "findings": $0.findings] as [String: Any] },
        ]
        try ReportWriter.place(directory.appendingPathComponent("summary.json")) {
            try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]).write(to: $0)
        }
        try ReportWriter.place(directory.appendingPathComponent("index.html")) { try Data(index(relativeTo: directory).utf8).write(to: $0) }
    }

    /// A self-contained page: one row per folder, linking its report.html when there is one.
    func index(relativeTo directory: URL) -> String {
        var html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>sgreplay audit</title>"
        html += "<style>body{font:14px sans-serif;margin:2em}td,th{padding:2px 10px;text-align:left}.error{color:#b00}</style></head><body>"
        html += "<h1>sgreplay audit: \(parts.count) trace(s), \(rows.count) finding(s)</h1><table><tr><th>trace</th><th>status</th><th>errors</th><th>warnings</th><th>info</th><th>report</th></tr>"
        for p in parts {
            let report = URL(fileURLWithPath: p.directory).appendingPathComponent("report.html")
            let link = FileManager.default.fileExists(atPath: report.path) ? "<a href=\"\(XMLText.escape(relativePath(report.path, from: directory.path)))\">report.html</a>" : "summary.json only"
            html += "<tr><td>\(XMLText.escape(p.traces.joined(separator: " ")))</td><td>\(XMLText.escape(p.status))</td><td class=\"error\">\(p.bySeverity["error"] ?? 0)</td><td>\(p.bySeverity["warning"] ?? 0)</td><td>\(p.bySeverity["info"] ?? 0)</td><td>\(link)</td></tr>"
        }
        return html + "</table></body></html>\n"
    }

    private func relativePath(_ path: String, from base: String) -> String {
        let a = URL(fileURLWithPath: path).standardizedFileURL.pathComponents, b = URL(fileURLWithPath: base).standardizedFileURL.pathComponents
        var i = 0
        while i < a.count, i < b.count, a[i] == b[i] { i += 1 }
        return (Array(repeating: "..", count: b.count - i) + a[i...]).joined(separator: "/")
    }

    /// A folder that cannot be merged.
    public struct MergeError: Error, CustomStringConvertible {
        public var file: String
        public var reason: String
        public var description: String { "\(file): \(reason)" }
    }
}
