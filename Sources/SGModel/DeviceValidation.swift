extension DeviceProperties {
    /// Rejects properties no kernel can have, naming the device and the field.
    public func validate() throws(DevicePropertiesError) {
        func fail(_ field: String, _ reason: String) -> DevicePropertiesError {
            DevicePropertiesError(device: name, field: field, reason: reason)
        }
        if pageSize < 4096 || !Self.isPowerOfTwo(pageSize) {
            throw fail("pageSize", "0x\(String(pageSize, radix: 16)) is not a power of two of at least 4 KiB")
        }
        if !Self.isPowerOfTwo(iovaGranule) || iovaGranule > pageSize {
            throw fail(
                "iovaGranule",
                "0x\(String(iovaGranule, radix: 16)) is not a power of two no larger than the page size 0x\(String(pageSize, radix: 16))")
        }
        if maxSegmentSize == 0 {
            throw fail("maxSegmentSize", "0 (no segment could hold a byte)")
        }
        if !Self.isLowMask(segmentBoundaryMask) {
            throw fail("segmentBoundaryMask", "0x\(String(segmentBoundaryMask, radix: 16)) is not of the form 2^n-1")
        }
        if iommu.isTranslated, segmentBoundaryMask < iovaGranule - 1 {
            throw fail(
                "segmentBoundaryMask",
                "0x\(String(segmentBoundaryMask, radix: 16)) is smaller than the IOVA granule 0x\(String(iovaGranule, radix: 16))")
        }
        if !Self.isLowMask(minAlignMask) {
            throw fail("minAlignMask", "0x\(String(minAlignMask, radix: 16)) is not of the form 2^n-1")
        }
        if dmaMask == 0 {
            throw fail("dmaMask", "0 (a device without a DMA mask cannot map)")
        }
    }

    static func isPowerOfTwo(_ x: UInt64) -> Bool { x != 0 && x & (x &- 1) == 0 }
    static func isLowMask(_ x: UInt64) -> Bool { x & (x &+ 1) == 0 }
}

/// Input lists the model refuses (they cannot come from a real caller).
enum ScatterListValidation {
    /// The first problem with `entries`, in words, or nil.
    static func problem(in entries: [ScatterEntry], device: DeviceProperties) -> String? {
        var total: UInt64 = 0
        for (i, e) in entries.enumerated() {
            if e.pagePhys & (device.pageSize - 1) != 0 {
                return "device \(device.name): entry \(i): page address 0x\(String(e.pagePhys, radix: 16)) is not page aligned"
            }
            let (end, wrapped) = e.phys.addingReportingOverflow(UInt64(e.length))
            if wrapped || e.pagePhys.addingReportingOverflow(UInt64(e.offset)).overflow || end == 0 && e.length != 0 {
                return "device \(device.name): entry \(i): phys + length overflows 64 bits"
            }
            let (sum, over) = total.addingReportingOverflow(UInt64(e.length))
            if over { return "device \(device.name): list length overflows 64 bits" }
            total = sum
        }
        return nil
    }
}
