import SGReplay

/// Knobs of ``ReportWriter``.
public struct ReportOptions: Sendable {
    /// Findings of each kind that get an evidence card (with its mapping picture) in the HTML
    /// (`--html-findings-per-kind`); every finding is in the table up to ``htmlTableRowLimit``.
    public var htmlFindingsPerKind: Int
    /// Rows of the HTML findings table (all findings up to this; findings.csv has the rest).
    public var htmlTableRowLimit: Int
    /// Bytes of card pictures (SVG) in the HTML at most; cards beyond it are drawn without a picture.
    public var htmlPictureBytes: Int
    /// Devices that get an occupancy picture and histograms (most mappings first).
    public var htmlDevices: Int
    /// Mappings drawn one by one in an occupancy picture; above this it becomes a density grid.
    public var occupancyMappingLimit: Int
    /// Quote the raw map and unmap lines of each card from the trace files (read again; standard input cannot be).
    public var quoteTraceLines: Bool
    /// JUnit: a case fails on findings at or above this severity; nil = never (`--fail-on never`).
    public var failOn: Severity?
    /// JUnit: findings listed per failing case.
    public var junitFindingsPerCase: Int

    public init(htmlFindingsPerKind: Int = 50, htmlTableRowLimit: Int = 5_000, htmlPictureBytes: Int = 2_500_000,
                htmlDevices: Int = 8, occupancyMappingLimit: Int = 1500, quoteTraceLines: Bool = true,
                failOn: Severity? = .error, junitFindingsPerCase: Int = 100) {
        self.htmlFindingsPerKind = htmlFindingsPerKind
        self.htmlTableRowLimit = htmlTableRowLimit
        self.htmlPictureBytes = htmlPictureBytes
        self.htmlDevices = htmlDevices
        self.occupancyMappingLimit = occupancyMappingLimit
        self.quoteTraceLines = quoteTraceLines
        self.failOn = failOn
        self.junitFindingsPerCase = junitFindingsPerCase
    }
}
