import SGReplay

/// `findings.csv`: one row per finding, columns as CONTRACTS.md lists them.
struct FindingsCSV {
    static let header = ["id", "kind", "severity", "confidence", "device", "time", "file", "line", "event",
                         "detail", "expected", "observed", "symbol", "source"]

    static func row(_ f: Finding) -> [String] {
        [f.id, f.kind.rawValue, f.severity.rawValue, f.confidence.rawValue, f.device, ValueFormat.seconds(f.time),
         f.file, String(f.line), f.event, f.detail, f.expected, f.observed, f.symbol, f.source]
    }

    static func rows(_ result: AnalysisResult) -> LazyMapSequence<[Finding], [String]> {
        result.findings.lazy.map(row)
    }
}
