import SGReplay

/// Knobs of ``ReportWriter``.
public struct ReportOptions: Sendable {
    /// Findings of each kind listed in the HTML table (the rest are in findings.csv).
    public var htmlFindingsPerKind: Int
    /// Findings of each kind drawn as a mapping picture in the HTML.
    public var htmlPicturesPerKind: Int
    /// Devices that get an occupancy picture and histograms (most mappings first).
    public var htmlDevices: Int
    /// Mappings drawn one by one in an occupancy picture; above this it becomes a density grid.
    public var occupancyMappingLimit: Int
    /// JUnit: a case fails on findings at or above this severity; nil = never (`--fail-on never`).
    public var failOn: Severity?
    /// JUnit: findings listed per failing case.
    public var junitFindingsPerCase: Int

    public init(htmlFindingsPerKind: Int = 50, htmlPicturesPerKind: Int = 8, htmlDevices: Int = 8,
                occupancyMappingLimit: Int = 1500, failOn: Severity? = .error, junitFindingsPerCase: Int = 100) {
        self.htmlFindingsPerKind = htmlFindingsPerKind
        self.htmlPicturesPerKind = htmlPicturesPerKind
        self.htmlDevices = htmlDevices
        self.occupancyMappingLimit = occupancyMappingLimit
        self.failOn = failOn
        self.junitFindingsPerCase = junitFindingsPerCase
    }
}
