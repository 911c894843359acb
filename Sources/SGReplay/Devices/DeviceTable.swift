import SGModel

/// The plain-text device table of `sgreplay devices` (the `devices.csv`
/// columns, aligned, with the IOMMU group and the notes that say which values
/// were inferred and from what).
public enum DeviceTable {
    public static let header = ["device", "kind", "iommu", "group", "granule", "dma_mask_bits", "max_segment_size", "segment_boundary_mask", "source", "notes"]

    /// One row of cells per record, in `header` order.
    /// Inferred-only limits show as lower bounds (`>=32`, `>=0x80000`).
    public static func cells(_ r: DeviceRecord, bounds: InferredBounds = InferredBounds()) -> [String] {
        let p = r.properties
        return [
            p.name, r.kind, p.iommu.rawValue, r.iommuGroup.map(String.init) ?? "-",
            p.iommu.isTranslated ? String(p.iovaGranule) : "-",
            bounds.dmaMaskBits.map { ">=\($0)" } ?? String(maskBits(p.dmaMask)),
            bounds.largestSegment.map { ">=" + hex($0) } ?? hex(UInt64(p.maxSegmentSize)),
            hex(p.segmentBoundaryMask),
            r.source.rawValue, r.notes.joined(separator: "; "),
        ]
    }

    /// Width of a DMA mask (`0xffffffff` → 32).
    public static func maskBits(_ mask: UInt64) -> Int { 64 - mask.leadingZeroBitCount }

    /// The table of everything `inference` knows.
    public static func render(_ inference: DeviceInference) -> String {
        render(inference.allRecords, bounds: inference.inferredBounds)
    }

    /// The table as text, columns padded, one line per device.
    public static func render(_ records: [DeviceRecord], bounds: [String: InferredBounds] = [:]) -> String {
        let rows = [header] + records.map { cells($0, bounds: bounds[$0.properties.name] ?? InferredBounds()) }
        var widths = Array(repeating: 0, count: header.count)
        for row in rows { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
        return rows.map { row in
            row.enumerated().map { i, c in i == row.count - 1 ? c : c + String(repeating: " ", count: widths[i] - c.count) }
                .joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}

/// Limits a trace only bounds from below, for a device whose topology does not give them.
public struct InferredBounds: Sendable, Hashable {
    /// Bits needed for the highest address used.
    public var dmaMaskBits: Int?
    /// Largest segment used.
    public var largestSegment: UInt64?
    public init(dmaMaskBits: Int? = nil, largestSegment: UInt64? = nil) {
        self.dmaMaskBits = dmaMaskBits
        self.largestSegment = largestSegment
    }
}
