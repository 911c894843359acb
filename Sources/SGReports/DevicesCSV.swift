import SGModel
import SGReplay

/// `devices.csv`: one row per device, columns as CONTRACTS.md lists them.
/// `dma_mask_bits` is the width of the mask (`min_not_zero(dma_mask, bus_dma_limit)`);
/// a mask that is not `2^n − 1` is written in hex instead.
struct DevicesCSV {
    static let header = ["device", "kind", "iommu", "granule", "dma_mask_bits", "max_segment_size",
                         "segment_boundary_mask", "source"]

    static func row(_ d: DeviceRecord) -> [String] {
        let p = d.properties
        return [p.name, d.kind, p.iommu.rawValue, String(p.iovaGranule), maskText(p.addressLimit),
                String(p.maxSegmentSize), ValueFormat.hex(p.segmentBoundaryMask), d.source.rawValue]
    }

    static func maskText(_ mask: UInt64) -> String {
        ValueFormat.maskBits(mask).map(String.init) ?? ValueFormat.hex(mask)
    }

    static func rows(_ result: AnalysisResult) -> [[String]] {
        result.devices.sorted { $0.properties.name < $1.properties.name }.map(row)
    }
}
