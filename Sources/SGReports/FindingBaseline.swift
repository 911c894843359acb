import CSV
import Foundation
import SGReplay

/// Known findings, read from a `findings.csv` of an earlier run, that an audit
/// does not fail on. Trace lines and times move between captures; the defect at a
/// call site does not. A finding is known when a baseline row has the same kind and
/// device and
/// - the same call-site symbol, when the row has one (a strong key); else
/// - the same `list_shape` (entries, first offsets, outputs: ``FindingFacts/listShape(_:)``)
///   and no symbol: a *weak* key, any such list of that kind on that device matches; else, for
///   a findings.csv written before `list_shape` existed, any finding of that kind on that
///   device without a symbol (the weakest key).
/// ``weakEntries`` and ``match(_:)`` let the audit say when a match rests on a weak key.
public struct FindingBaseline: Sendable {
    /// How a finding matched the baseline.
    public enum Match: Sendable, Equatable {
        /// Same kind, device and call-site symbol.
        case callSite
        /// No symbol: same kind, device and list shape.
        case listShape
        /// No symbol and no list shape in the baseline (an older findings.csv): same kind and device.
        case kindAndDevice

        /// True when the baseline row had no call-site symbol to key on.
        public var isWeak: Bool { self != .callSite }
    }

    private var strong: Set<String> = []
    private var shaped: Set<String> = []
    private var unshaped: Set<String> = []

    /// Baseline entries (distinct keys).
    public var count: Int { strong.count + shaped.count + unshaped.count }
    /// Entries without a call-site symbol (matched by kind, device and list shape, or by kind and device only).
    public var weakEntries: Int { shaped.count + unshaped.count }
    /// Entries of a findings.csv without `list_shape` and without a symbol: any finding of that kind on that device.
    public var kindAndDeviceEntries: Int { unshaped.count }

    public init() {}

    /// Reads `path` (a findings.csv: header row with at least kind, device, symbol; `list_shape` when present).
    /// - Throws: ``FindingBaselineError`` naming the file (and line) when it is not such a file.
    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FindingBaselineError(file: path, line: nil, reason: FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")
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
        let shape = header.firstIndex(of: "list_shape")
        var line = 1
        while let row = reader.next() {
            line += 1
            if row.count == 1 && row[0].isEmpty { continue }
            guard row.count == header.count else {
                throw FindingBaselineError(file: path, line: line, reason: "\(row.count) fields, header has \(header.count)")
            }
            if !row[symbol].isEmpty {
                strong.insert(Self.key(row[kind], row[device], row[symbol]))
            } else if let shape {
                shaped.insert(Self.key(row[kind], row[device], row[shape]))
            } else {
                unshaped.insert(Self.key(row[kind], row[device], ""))
            }
        }
        if let error = reader.error {
            throw FindingBaselineError(file: path, line: line, reason: "\(error)")
        }
    }

    /// How `finding` matches the baseline, or nil when it is new.
    public func match(_ finding: Finding) -> Match? {
        let kind = finding.kind.rawValue
        if !finding.symbol.isEmpty {
            return strong.contains(Self.key(kind, finding.device, finding.symbol)) ? .callSite : nil
        }
        if shaped.contains(Self.key(kind, finding.device, FindingFacts.listShape(finding))) { return .listShape }
        if unshaped.contains(Self.key(kind, finding.device, "")) { return .kindAndDevice }
        return nil
    }

    /// True when the baseline holds the finding (see ``match(_:)``).
    public func contains(_ finding: Finding) -> Bool { match(finding) != nil }

    private static func key(_ kind: String, _ device: String, _ third: String) -> String {
        "\(kind)\u{1F}\(device)\u{1F}\(third)"
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
