import SGModel
import SGReplay

/// `devices.csv`: one row per device, columns as CONTRACTS.md lists them.
/// `dma_mask_bits` is the width of the mask (`min_not_zero(dma_mask, bus_dma_limit)`);
/// a mask that is not `2^n − 1` is written in hex instead. A limit the trace only bounds
/// from below (no topology value) is written as `sgreplay devices` shows it: `>=32`,
/// `>=0x80000`. `notes` (added at the end, issue 13) joins the device's notes with `; `.
struct DevicesCSV {
    static let header = ["device", "kind", "iommu", "granule", "dma_mask_bits", "max_segment_size",
                         "segment_boundary_mask", "source", "notes"]

    static func row(_ d: DeviceRecord) -> [String] {
        let p = d.properties
        return [p.name, d.kind, p.iommu.rawValue, String(p.iovaGranule), maskCell(d),
                segmentCell(d), ValueFormat.hex(p.segmentBoundaryMask), d.source.rawValue, d.notes.joined(separator: "; ")]
    }

    /// `dma_mask_bits`: `>=N` for an inferred lower bound, else the mask's width (or hex).
    static func maskCell(_ d: DeviceRecord) -> String {
        d.inferredBounds.dmaMaskBits.map { ">=\($0)" } ?? maskText(d.properties.addressLimit)
    }

    /// `max_segment_size`: `>=0x…` (the largest segment seen) for an inferred lower bound, else decimal.
    static func segmentCell(_ d: DeviceRecord) -> String {
        d.inferredBounds.largestSegment.map { ">=" + ValueFormat.hex($0) } ?? String(d.properties.maxSegmentSize)
    }

    static func maskText(_ mask: UInt64) -> String {
        ValueFormat.maskBits(mask).map(String.init) ?? ValueFormat.hex(mask)
    }

    static func rows(_ result: AnalysisResult) -> [[String]] {
        result.devices.sorted { $0.properties.name < $1.properties.name }.map(row)
    }
}
