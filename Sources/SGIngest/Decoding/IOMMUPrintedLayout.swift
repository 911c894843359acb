/// Fast decoding of `iommu:map` / `iommu:unmap` payloads printed exactly by the
/// kernel's format (fixed widths: `IOMMU: iova=0x%016llx - 0x%016llx …`).
///
/// These are most lines of a dma-iommu trace. A payload that deviates in any
/// byte (libtraceevent raw form, other spacing) returns nil and goes through
/// ``PayloadFields`` as before, so results and error messages do not change.
enum IOMMUPrintedLayout {
    // "IOMMU: iova=0x" + 16 + " - 0x" + 16, shared by both events.
    private static let rangeEnd = 51

    /// `IOMMU: iova=0x%016llx - 0x%016llx paddr=0x%016llx size=%zu`.
    static func map(_ p: ByteSpan) -> IOMMUMapEvent? {
        guard p.count > 82, let iova = range(p), p.matches(" paddr=0x", at: 51),
              let phys = p.hex16(at: 60), p.matches(" size=", at: 76),
              let size = p.suffix(from: 82).decimal() else { return nil }
        return IOMMUMapEvent(iova: iova, physAddress: phys, size: size)
    }

    /// `IOMMU: iova=0x%016llx - 0x%016llx size=%zu unmapped_size=%zu`.
    static func unmap(_ p: ByteSpan) -> IOMMUUnmapEvent? {
        guard p.count > 57, let iova = range(p), p.matches(" size=", at: 51) else { return nil }
        let space = p.spaceOrEnd(from: 57)
        guard let size = p.slice(57, space).decimal(), p.matches(" unmapped_size=", at: space),
              let unmapped = p.suffix(from: space + 15).decimal() else { return nil }
        return IOMMUUnmapEvent(iova: iova, size: size, unmappedSize: unmapped)
    }

    /// The start of `iova=0x… - 0x…` (the end must be well formed too, as it is printed).
    private static func range(_ p: ByteSpan) -> UInt64? {
        guard p.matches("IOMMU: iova=0x", at: 0), let iova = p.hex16(at: 14),
              p.matches(" - 0x", at: 30), p.hex16(at: 35) != nil else { return nil }
        return iova
    }
}
