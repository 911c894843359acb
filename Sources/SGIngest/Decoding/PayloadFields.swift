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
    /// Bit `slot.rawValue` set: the slot was seen in this payload (one store clears all).
    private var present: UInt32 = 0
    /// Value bounds per slot in fixed storage (no copy-on-write check per store,
    /// no vector spill per dynamic index); shared by copies, which this type never makes.
    private let bounds = SlotBounds()
    private var payload = ByteSpan(UnsafePointer(bitPattern: 1)!, 0)

    /// Start and end offsets of each slot's value (two `Int32` per slot).
    private final class SlotBounds {
        let offsets = UnsafeMutablePointer<Int32>.allocate(capacity: 2 * Slot.allCases.count)
        deinit { offsets.deallocate() }
    }

    /// The located value for `slot`, if present.
    @inline(__always)
    func value(_ slot: Slot) -> ByteSpan? {
        guard has(slot) else { return nil }
        let o = bounds.offsets + 2 * slot.rawValue
        return payload.slice(Int(o[0]), Int(o[1]))
    }

    @inline(__always)
    func has(_ slot: Slot) -> Bool { present & (1 << UInt32(slot.rawValue)) != 0 }

    @inline(__always)
    private mutating func set(_ slot: Slot, _ s: Int, _ e: Int) {
        present |= 1 << UInt32(slot.rawValue)
        let o = bounds.offsets + 2 * slot.rawValue
        o[0] = Int32(truncatingIfNeeded: s)
        o[1] = Int32(truncatingIfNeeded: e)
    }

    /// Scans `text` (the payload after `event: `).
    mutating func scan(_ text: ByteSpan) {
        present = 0
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
            var e = p.spaceOrEqualsOrEnd(from: i)
            var eq = -1
            if e < n, b[e] == 0x3D {
                // Arrays can be long: find their end with memchr; other values are short.
                eq = e
                if e + 1 < n, b[e + 1] == 0x7B || b[e + 1] == 0x41 {
                    e = p.index(of: 0x20, from: e + 1) ?? n
                } else {
                    e = p.spaceOrEnd(from: e + 1)
                }
            }
            if skipNext {
                skipNext = false
            } else if eq >= 0 {
                let valueStart = eq + 1
                if valueStart + 6 <= n, b[valueStart] == 0x41, p.slice(valueStart, n).hasPrefix("ARRAY["),
                   let close = p.index(of: 0x5D, from: valueStart) {
                    e = close + 1
                }
                if let slot = PayloadFields.slot(for: p.slice(i, eq), head: p.word(at: i, length: eq - i)) { set(slot, valueStart, e) }
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
    /// Maps a field name or print label to its slot. Keys compare as little-endian
    /// words (first and last eight bytes), not byte by byte.
    /// `head` is `key.head8`.
    static func slot(for key: ByteSpan, head: UInt64) -> Slot? {
        switch key.count {
        case 3:
            switch head {
            case 0x0000000000726964: return .dir // dir
            case 0x0000000000727265: return .err // err
            case 0x0000000000646967: return .groupID // gid
            default: return nil
            }
        case 4:
            switch head {
            case 0x0000000073746E65: return .ents // ents
            case 0x00000000657A6973: return .size // size
            case 0x0000000072646461: return .dmaAddr // addr
            case 0x0000000061766F69: return .iova // iova
            default: return nil
            }
        case 5:
            switch head {
            case 0x00000073746E656E: return .nents // nents
            case 0x00000073657A6973: return .lengths // sizes
            case 0x0000007372646461: return .physAddrs // addrs
            case 0x0000007372747461: return .attrs // attrs
            case 0x0000007367616C66: return .flags // flags
            case 0x0000007264646170: return .physAddr // paddr
            case 0x0000006563726F66: return .mode // force
            default: return nil
            }
        case 6:
            switch head {
            case 0x0000656369766564: return .device // device
            case 0x0000726576697264: return .driver // driver
            default: return nil
            }
        case 7:
            switch head {
            case 0x00736874676E656C: return .lengths // lengths
            case 0x00444970756F7267: return .groupID // groupID
            default: return nil
            }
        case 8:
            switch head {
            case 0x726464615F616D64: return .dmaAddr // dma_addr
            case 0x656D616E5F766564: return .device // dev_name
            case 0x6B73616D5F616D64: return .dmaMask // dma_mask
            case 0x726464615F766564: return .devAddr // dev_addr
            default: return nil
            }
        case 9:
            let tail = key.tail8
            if head == 0x726464615F616D64, tail == 0x73726464615F616D { return .dmaAddrs } // dma_addrs
            if head == 0x6464615F73796870, tail == 0x726464615F737968 { return .physAddr } // phys_addr
            if head == 0x6464615F74726976, tail == 0x726464615F747269 { return .virtAddr } // virt_addr
            if head == 0x746E655F6C6C7566, tail == 0x73746E655F6C6C75 { return .fullEnts } // full_ents
            if head == 0x657461636E757274, tail == 0x64657461636E7572 { return .truncated } // truncated
        case 10:
            let tail = key.tail8
            if head == 0x6464615F73796870, tail == 0x73726464615F7379 { return .physAddrs } // phys_addrs
            if head == 0x6E656E5F6C6C7566, tail == 0x73746E656E5F6C6C { return .fullNents } // full_nents
        case 13:
            let tail = key.tail8
            if head == 0x64657070616D6E75, tail == 0x657A69735F646570 { return .unmappedSize } // unmapped_size
            if head == 0x5F626C746F697773, tail == 0x6563726F665F626C { return .mode } // swiotlb_force
        default:
            break
        }
        return nil
    }
}
