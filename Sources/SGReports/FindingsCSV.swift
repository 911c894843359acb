import SGReplay

/// `findings.csv`: one row per finding, columns as CONTRACTS.md lists them, then
/// (issue 13, compatible additions at the end) `map_line`, the line of the map call the
/// finding belongs to, and `list_shape` (``FindingFacts/listShape(_:)``), which audit
/// baselines use as the key when there is no call-site symbol.
struct FindingsCSV {
    static let header = ["id", "kind", "severity", "confidence", "device", "time", "file", "line", "event",
                         "detail", "expected", "observed", "symbol", "source", "map_line", "list_shape"]

    static func row(_ f: Finding) -> [String] {
        [f.id, f.kind.rawValue, f.severity.rawValue, f.confidence.rawValue, f.device, ValueFormat.seconds(f.time),
         f.file, String(f.line), f.event, f.detail, f.expected, f.observed, f.symbol, f.source,
         String(FindingFacts.mapLine(f)), FindingFacts.listShape(f)]
    }

    static func rows(_ result: AnalysisResult) -> LazyMapSequence<[Finding], [String]> {
        result.findings.lazy.map(row)
    }
}
