import SGIngest
import SGModel

/// A mapping as the trackers keep it while it is live (and for a while after
/// it was retired, to recognise double unmaps, syncs and faults after unmap).
public struct TrackedMapping: Sendable {
    /// Which API made it.
    public enum Kind: String, Sendable {
        case scatterGather = "sg"
        case single
        case coherent
    }

    public var id: Int
    public var kind: Kind
    public var device: String
    /// IOMMU domain key (`group:12`, or `device:0000:01:00.0` when the group is unknown).
    public var domain: String
    public var direction: DMADirection
    /// Input phys list as shown (the first 128 in capped events); single: one element.
    public var phys: [UInt64]
    /// True input count (`nents`).
    public var nents: Int
    /// True output count (`ents`).
    public var ents: Int
    /// Output segments as shown; single/coherent: one segment.
    public var outputs: [DMASegment]
    /// Size of a single mapping or allocation.
    public var size: UInt64
    /// True when the mapping went through dma-iommu (IOVA space).
    public var translated: Bool
    /// IOVA range the mapping owns in its domain (dma-iommu), `[start, end)`.
    public var iovaSpan: ClosedOpenRange?
    /// Bus-address ranges (P2PDMA) of its outputs.
    public var busRanges: [ClosedOpenRange]
    /// swiotlb bounce ranges of its outputs.
    public var bounceRanges: [ClosedOpenRange]
    /// The event was `[TRUNCATED]`: only a prefix of the lists is known.
    public var truncated: Bool
    public var map: EventReference
    /// The unmap that retired it (nil while live). Boxed: most tracked mappings are live
    /// ones, and an inline reference cost every one of them about 120 bytes.
    public var unmap: EventReference? {
        get { unmapBox?.reference }
        set { unmapBox = newValue.map(UnmapBox.init) }
    }
    private var unmapBox: UnmapBox?
    /// Row of the mapping in ``AnalysisResult/mappings``.
    public var recordIndex: Int

    private final class UnmapBox: Sendable {
        let reference: EventReference
        init(_ reference: EventReference) { self.reference = reference }
    }

    public init(id: Int, kind: Kind, device: String, domain: String, direction: DMADirection, phys: [UInt64], nents: Int, ents: Int,
                outputs: [DMASegment], size: UInt64, translated: Bool, iovaSpan: ClosedOpenRange?, busRanges: [ClosedOpenRange],
                bounceRanges: [ClosedOpenRange], truncated: Bool, map: EventReference, unmap: EventReference? = nil, recordIndex: Int) {
        self.id = id
        self.kind = kind
        self.device = device
        self.domain = domain
        self.direction = direction
        self.phys = phys
        self.nents = nents
        self.ents = ents
        self.outputs = outputs
        self.size = size
        self.translated = translated
        self.iovaSpan = iovaSpan
        self.busRanges = busRanges
        self.bounceRanges = bounceRanges
        self.truncated = truncated
        self.map = map
        self.recordIndex = recordIndex
        self.unmap = unmap
    }

    /// Output ranges with a non-zero length (what the device may touch).
    public var outputRanges: [ClosedOpenRange] {
        outputs.filter { $0.length > 0 }.map { ClosedOpenRange(start: $0.address, end: $0.address &+ UInt64($0.length)) }
    }

    /// `0000:01:00.0 sg FROM_DEVICE mapped at line 12 (t=…)`.
    public var label: String {
        "\(kind.rawValue) mapping \(direction) nents=\(nents) ents=\(ents) first_dma=\(hex(outputs.first?.address ?? 0)) mapped at \(map.citation)"
    }
}

/// A half-open range `[start, end)` of bus, IOVA or physical addresses.
public struct ClosedOpenRange: Sendable, Hashable, CustomStringConvertible {
    public var start: UInt64
    public var end: UInt64
    public init(start: UInt64, end: UInt64) {
        self.start = start
        self.end = end
    }
    public var length: UInt64 { end &- start }
    public func intersects(_ other: ClosedOpenRange) -> Bool { start < other.end && other.start < end }
    public func contains(_ address: UInt64) -> Bool { address >= start && address < end }
    public var description: String { "[\(hex(start)), \(hex(end)))" }
}
