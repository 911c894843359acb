import CSV
import Foundation
import SGReplay

/// Known findings, read from a `findings.csv` of an earlier run, that an audit
/// does not fail on. A finding is known when a baseline row has the same kind,
/// device and call-site symbol (trace lines and times move between captures;
/// the defect at a call site does not).
public struct FindingBaseline: Sendable {
    private var keys: Set<String> = []

    public init() {}

    /// Reads `path` (a findings.csv: header row with at least kind, device, symbol).
    /// - Throws: ``FindingBaselineError`` naming the file (and line) when it is not such a file.
    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FindingBaselineError(file: path, line: nil, reason: "cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw FindingBaselineError(file: path, line: nil, reason: "not UTF-8 text")
        }
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: true)
        } catch {
            throw FindingBaselineError(file: path, line: 1, reason: "not CSV: \(error)")
        }
        let header = reader.headerRow ?? []
        guard let kind = header.firstIndex(of: "kind"), let device = header.firstIndex(of: "device"), let symbol = header.firstIndex(of: "symbol") else {
            throw FindingBaselineError(file: path, line: 1, reason: "header lacks kind, device or symbol (is it a findings.csv?)")
        }
        var line = 1
        while let row = reader.next() {
            line += 1
            if row.count == 1 && row[0].isEmpty { continue }
            guard row.count == header.count else {
                throw FindingBaselineError(file: path, line: line, reason: "\(row.count) fields, header has \(header.count)")
            }
            keys.insert(Self.key(kind: row[kind], device: row[device], symbol: row[symbol]))
        }
        if let error = reader.error {
            throw FindingBaselineError(file: path, line: line, reason: "\(error)")
        }
    }

    /// True when the baseline holds a finding of the same kind, device and call site.
    public func contains(_ finding: Finding) -> Bool {
        keys.contains(Self.key(kind: finding.kind.rawValue, device: finding.device, symbol: finding.symbol))
    }

    public var count: Int { keys.count }

    private static func key(kind: String, device: String, symbol: String) -> String {
        "\(kind)\u{1F}\(device)\u{1F}\(symbol)"
    }
}

/// A baseline file that cannot be used.
public struct FindingBaselineError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var reason: String
    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(reason)" }
}

/// `audit.csv`: one row per audited trace (RFC 4180, written by CSV.swift).
public struct AuditTable: Sendable {
    public var header: [String]
    public var rows: [[String]]

    public init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
    }

    public func write(to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try CSVTableWriter(url: url, header: header).write(rows)
    }
}
