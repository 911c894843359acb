/// The named values of one payload, located (not parsed) by a single scan.
///
/// Accepts the kernel's print format (`dev dir=X … attrs=`), libtraceevent's
/// identical output, and its `[FAILED TO PARSE]` fallback (` field=value` with
/// `ARRAY[..]` byte dumps and raw numbers). Print labels and field names map
/// to the same slot (`sizes`/`lengths`, `phys_addrs`/`addrs`, `dma_addr`/`addr`).
struct PayloadFields {
    /// What a value means; several spellings share one slot.
    enum Slot: Int, CaseIterable {
        case device, dir, nents, ents, fullNents, fullEnts, truncated
        case dmaAddrs, lengths, physAddrs, dmaAddr, size, physAddr, virtAddr
        case flags, attrs, err, iova, unmappedSize, groupID, driver, dmaMask, devAddr, mode
    }

    /// True for the `[FAILED TO PARSE]` raw-field form (decimal numbers, raw enums, byte arrays).
    var raw = false
    private var starts = [Int](repeating: -1, count: Slot.allCases.count)
    private var ends = [Int](repeating: 0, count: Slot.allCases.count)
    private var payload = ByteSpan(UnsafePointer(bitPattern: 1)!, 0)

    /// The located value for `slot`, if present.
    func value(_ slot: Slot) -> ByteSpan? {
        let s = starts[slot.rawValue]
        return s < 0 ? nil : payload.slice(s, ends[slot.rawValue])
    }

    func has(_ slot: Slot) -> Bool { starts[slot.rawValue] >= 0 }

    private mutating func set(_ slot: Slot, _ s: Int, _ e: Int) {
        starts[slot.rawValue] = s
        ends[slot.rawValue] = e
    }

    /// Scans `text` (the payload after `event: `).
    mutating func scan(_ text: ByteSpan) {
        for i in 0..<starts.count { starts[i] = -1 }
        var p = text
        raw = false
        if p.hasPrefix("[FAILED TO PARSE]") {
            raw = true
            p = p.suffix(from: p.skipSpaces(from: 17))
        }
        payload = p
        let n = p.count
        let b = p.base
        var i = 0
        var skipNext = false
        var bare = 0
        while i < n {
            // One token: up to the next space, noting the first `=`.
            var e = i
            var eq = -1
            while e < n {
                let c = b[e]
                if c == 0x20 { break }
                if c == 0x3D {
                    // Values (arrays above all) can be long: find their end with memchr.
                    eq = e
                    e = p.index(of: 0x20, from: e + 1) ?? n
                    break
                }
                e += 1
            }
            if skipNext {
                skipNext = false
            } else if eq >= 0 {
                let valueStart = eq + 1
                if valueStart + 6 <= n, b[valueStart] == 0x41, p.slice(valueStart, n).hasPrefix("ARRAY["),
                   let close = p.index(of: 0x5D, from: valueStart) {
                    e = close + 1
                }
                if let slot = PayloadFields.slot(for: p.slice(i, eq)) { set(slot, valueStart, e) }
            } else {
                let token = p.slice(i, e)
                if token.equals("[TRUNCATED]") {
                    set(.truncated, i, e)
                } else if token.equals("-") {
                    skipNext = true // `iova=0x… - 0x…`: the end of the range
                } else if token.hasPrefix("IOMMU:") {
                    if token.count > 6 { set(.driver, i + 6, e) }
                } else if token.equals("dev_name:") {
                    // swiotlb_bounced label; the device follows
                } else {
                    if bare == 0, !has(.device) { set(.device, i, e) } else { set(.mode, i, e) }
                    bare += 1
                }
            }
            i = e
            while i < n, b[i] == 0x20 { i += 1 }
        }
    }

    /// Maps a field name or print label to its slot.
    static func slot(for key: ByteSpan) -> Slot? {
        switch key.count {
        case 3:
            if key.equals("dir") { return .dir }
            if key.equals("err") { return .err }
            if key.equals("gid") { return .groupID }
        case 4:
            if key.equals("ents") { return .ents }
            if key.equals("size") { return .size }
            if key.equals("addr") { return .dmaAddr }
            if key.equals("iova") { return .iova }
        case 5:
            if key.equals("nents") { return .nents }
            if key.equals("sizes") { return .lengths }
            if key.equals("addrs") { return .physAddrs }
            if key.equals("attrs") { return .attrs }
            if key.equals("flags") { return .flags }
            if key.equals("paddr") { return .physAddr }
            if key.equals("force") { return .mode }
        case 6:
            if key.equals("device") { return .device }
            if key.equals("driver") { return .driver }
        case 7:
            if key.equals("lengths") { return .lengths }
            if key.equals("groupID") { return .groupID }
        case 8:
            if key.equals("dma_addr") { return .dmaAddr }
            if key.equals("dev_name") { return .device }
            if key.equals("dma_mask") { return .dmaMask }
            if key.equals("dev_addr") { return .devAddr }
        case 9:
            if key.equals("dma_addrs") { return .dmaAddrs }
            if key.equals("phys_addr") { return .physAddr }
            if key.equals("virt_addr") { return .virtAddr }
            if key.equals("full_ents") { return .fullEnts }
            if key.equals("truncated") { return .truncated }
        case 10:
            if key.equals("phys_addrs") { return .physAddrs }
            if key.equals("full_nents") { return .fullNents }
        case 13:
            if key.equals("unmapped_size") { return .unmappedSize }
            if key.equals("swiotlb_force") { return .mode }
        default:
            break
        }
        return nil
    }
}
