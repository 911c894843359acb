/// A historic or proposed design: the reference model plus one deviation,
/// replayed against real traces to see where it would have differed.
public struct CandidateModel: SGMapperModel {
    public let id: String
    public let summary: String
    public let isReference = false
    /// The departure from the reference.
    public let deviations: ModelDeviations

    public init(id: String, summary: String, deviations: ModelDeviations) {
        self.id = id
        self.summary = summary
        self.deviations = deviations
    }

    public func mapSG(_ entries: [ScatterEntry], device: DeviceProperties, release: KernelRelease = .current, context: MapContext = MapContext()) -> MapOutcome {
        MappingEngine(behaviour: KernelBehaviour(release: release), deviations: deviations).map(entries, device: device, context: context)
    }
}

extension CandidateModel {
    private static func deviating(_ change: (inout ModelDeviations) -> Void) -> ModelDeviations {
        var d = ModelDeviations()
        d.p2pAlwaysInMapSG = true
        change(&d)
        return d
    }

    /// 2020/2021 RFC: the P2P bus address got the page offset a second time.
    public static let p2pDoubleOffset = CandidateModel(
        id: "p2p-double-offset",
        summary: "2020/21 P2PDMA RFC: bus address = sg_phys + offset + bus_offset (page offset added twice)",
        deviations: deviating { $0.p2pOffsetAddedTwice = true })

    /// RFC v2 dma-iommu: a zero IOVA length alone marks a bus-address entry.
    public static let p2pZeroLengthMarker = CandidateModel(
        id: "p2p-zero-length-marker",
        summary: "RFC v2 dma-iommu: zero IOVA length marks P2P entries; zero-length memory entries become bus addresses",
        deviations: deviating { $0.zeroIOVALengthMarksBusAddress = true })

    /// 2020 RFC: the P2P flag is bit 31 of `dma_length`.
    public static let p2pDMALengthTopBit = CandidateModel(
        id: "p2p-dma-len-top-bit",
        summary: "2020 RFC: P2P flag in bit 31 of dma_length; lengths >= 2 GiB read as P2P, merging capped at 2^31-1",
        deviations: deviating { $0.busFlagInLengthBit31 = true })

    /// 2021 v1–v3: the P2P flag is bit 2 of `page_link` (x86-64 layout: no collision).
    public static let p2pPageLinkBit = pageLinkBit(layout: .x86_64)

    /// The page_link design on a given `struct page` layout (a 32-bit build shows the defect).
    public static func pageLinkBit(layout: PageLinkLayout) -> CandidateModel {
        CandidateModel(
            id: "p2p-page-link-bit",
            summary: "2021 v1-v3: P2P flag in page_link bit 2; a page pointer with bit 2 set (4-byte aligned struct page, 32-bit) reads as P2P",
            deviations: deviating { $0.busFlagInPageLink = layout })
    }
}
