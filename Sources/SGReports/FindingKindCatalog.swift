import SGReplay

/// A title and a one-paragraph explanation for each finding kind: SARIF rule
/// descriptions, JUnit case names, HTML section headers.
///
/// Explanations are the replay checks' own (``FindingCheck/explanation``, one
/// file per kind in SGReplay/Checks); an ``AnalysisResult`` may override them
/// in `kindExplanations`.
public struct FindingKindCatalog: Sendable {
    /// Explanations that override the defaults, by kind.
    public var overrides: [FindingKind: String]

    public init(overrides: [FindingKind: String] = [:]) {
        self.overrides = overrides
    }

    /// The explanation of `kind`: the override when there is one, else the default.
    public func explanation(_ kind: FindingKind) -> String {
        if let text = overrides[kind], !text.isEmpty { return text }
        return CheckCatalog.check(for: kind)?.explanation ?? kind.rawValue
    }

    /// A short title (`Double offset`).
    public func title(_ kind: FindingKind) -> String {
        Self.titles[kind] ?? kind.rawValue
    }

    /// CamelCase rule name for SARIF (`DoubleOffset`).
    public func ruleName(_ kind: FindingKind) -> String {
        kind.rawValue.split(separator: "-").map { part in
            part.prefix(1).uppercased() + part.dropFirst()
        }.joined()
    }

    static let titles: [FindingKind: String] = [
        .doubleOffset: "Double offset", .zeroLength: "Zero-length segment", .overlapInList: "Overlap within a list",
        .overlapLive: "Overlap with a live mapping", .overlapP2PIOVA: "P2P bus range overlaps IOVA",
        .segmentBoundary: "Segment crosses boundary", .maxSegmentSize: "Segment longer than max segment size",
        .dmaMask: "Address beyond DMA mask", .offsetNotPreserved: "Offset not preserved",
        .modelMismatch: "Output differs from the model", .unmapNentsMismatch: "Unmap entry count differs",
        .unmapDirMismatch: "Unmap direction differs", .unmapUnknown: "Unmap of an unknown mapping",
        .unmapSizeMismatch: "Unmap size differs", .doubleUnmap: "Double unmap", .leak: "Mapping leaked",
        .syncUnmapped: "Sync of unmapped range", .syncDirMismatch: "Sync direction differs",
        .syncNentsMismatch: "Sync entry count differs", .p2pUnreachableMapped: "Unreachable P2P page mapped",
        .flagBitCollision: "Length collides with a flag bit", .faultAfterUnmap: "IOMMU fault after unmap",
        .mapError: "Mapping refused",
    ]
}
