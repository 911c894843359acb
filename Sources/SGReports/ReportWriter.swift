import SGReplay

/// Output formats (`--format`).
public enum ReportFormat: String, Sendable, CaseIterable {
    case html, csv, json, sarif, junit
}
