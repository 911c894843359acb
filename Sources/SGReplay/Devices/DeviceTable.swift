import SGModel

/// The plain-text device table of `sgreplay devices` (the `devices.csv`
/// columns, aligned, with the IOMMU group and the notes that say which values
/// were inferred and from what).
public enum DeviceTable {
    public static let header = ["device", "kind", "iommu", "group", "granule", "dma_mask_bits", "max_segment_size", "segment_boundary_mask", "source", "notes"]

    /// One row of cells per record, in `header` order.
    public static func cells(_ r: DeviceRecord) -> [String] {
        let p = r.properties
        return [
            p.name, r.kind, p.iommu.rawValue, r.iommuGroup.map(String.init) ?? "-",
            p.iommu.isTranslated ? String(p.iovaGranule) : "-",
            String(maskBits(p.dmaMask)), hex(UInt64(p.maxSegmentSize)), hex(p.segmentBoundaryMask),
            r.source.rawValue, r.notes.joined(separator: "; "),
        ]
    }

    /// Width of a DMA mask (`0xffffffff` → 32).
    public static func maskBits(_ mask: UInt64) -> Int { 64 - mask.leadingZeroBitCount }

    /// The table as text, columns padded, one line per device.
    public static func render(_ records: [DeviceRecord]) -> String {
        let rows = [header] + records.map(cells)
        var widths = Array(repeating: 0, count: header.count)
        for row in rows { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
        return rows.map { row in
            row.enumerated().map { i, c in i == row.count - 1 ? c : c + String(repeating: " ", count: widths[i] - c.count) }
                .joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
