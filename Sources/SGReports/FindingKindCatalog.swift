import SGReplay

/// A title and a one-paragraph explanation for each finding kind: SARIF rule
/// descriptions, JUnit case names, HTML section headers.
///
/// The defaults here are written from bug-signatures.md; an ``AnalysisResult``
/// may carry the replay checks' own wording in `kindExplanations`, which wins.
public struct FindingKindCatalog: Sendable {
    /// Explanations that override the defaults, by kind.
    public var overrides: [FindingKind: String]

    public init(overrides: [FindingKind: String] = [:]) {
        self.overrides = overrides
    }

    /// The explanation of `kind`: the override when there is one, else the default.
    public func explanation(_ kind: FindingKind) -> String {
        if let text = overrides[kind], !text.isEmpty { return text }
        return Self.defaultExplanations[kind] ?? kind.rawValue
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

    static let defaultExplanations: [FindingKind: String] = [
        .doubleOffset: "A DMA address carries the scatterlist entry's page offset twice: observed minus expected equals the sg offset. Code added s->offset to sg_phys(s), which already contains it; the device reads or writes the wrong bytes.",
        .zeroLength: "A mapped output segment has length 0, or a zero-length entry was passed in. On dma-iommu it also makes the later unmap stop early (leaked IOVA).",
        .overlapInList: "Two output segments of one mapping overlap (bytes or IOVA granules). dma-iommu never produces this; on dma-direct the caller listed the same memory twice.",
        .overlapLive: "A new mapping overlaps a mapping of the same IOMMU domain or device that is still live: the IOVA or swiotlb slot allocator handed out space twice, often after a double unmap.",
        .overlapP2PIOVA: "A P2PDMA bus-address range overlaps an IOVA range of the same domain; dma-iommu reserves host-bridge windows so this must never happen.",
        .segmentBoundary: "An output segment crosses the device's segment boundary mask (dma_get_seg_boundary).",
        .maxSegmentSize: "An output segment is longer than the device's max segment size (dma_get_max_seg_size).",
        .dmaMask: "An output address range lies beyond the device's DMA mask or bus DMA limit: the device cannot reach it.",
        .offsetNotPreserved: "The low bits of an IOVA or bounce address differ from the physical address's where the kernel preserves them (IOVA granule, min_align_mask).",
        .modelMismatch: "The output differs from the reference model of the kernel's mapper in a way no named kind explains.",
        .unmapNentsMismatch: "dma_unmap_sg was called with a different entry count than dma_map_sg was given (DMA API contract: unmap with the original nents).",
        .unmapDirMismatch: "A mapping was unmapped with a different DMA direction than it was mapped with.",
        .unmapUnknown: "An unmap of something never mapped in the trace window (with no lost events before it).",
        .unmapSizeMismatch: "A single mapping (dma_map_phys/page) was unmapped with a different size than mapped.",
        .doubleUnmap: "The same mapping was unmapped twice; its IOVA may already belong to someone else.",
        .leak: "Still mapped at the end of the trace (or, on dma-iommu, an unmap that did not release the whole IOVA range).",
        .syncUnmapped: "A dma_sync_* call on an address range that is not mapped (most often: after its unmap).",
        .syncDirMismatch: "A sync whose direction differs from the mapping's direction.",
        .syncNentsMismatch: "An sg sync with a different entry count than the mapping.",
        .p2pUnreachableMapped: "A P2PDMA page was mapped for a device that cannot reach its provider; the map should have failed with -EREMOTEIO.",
        .flagBitCollision: "A segment length collides with a flag bit of the model in use (for example >= 2 GiB with a top-bit flag in sg_dma_len).",
        .faultAfterUnmap: "An IOMMU page fault on an address that was mapped earlier in the trace and is now unmapped: the device used memory after its unmap.",
        .mapError: "dma_map_sg_err: the kernel refused a mapping (error code in the detail).",
    ]
}
