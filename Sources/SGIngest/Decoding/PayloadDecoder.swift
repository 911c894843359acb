/// Decodes the payload of a known DMA / IOMMU / swiotlb event into its typed
/// value, in every rendering (kernel text, libtraceevent, `[FAILED TO PARSE]`),
/// or says precisely why it cannot.
struct PayloadDecoder {
    private var fields = PayloadFields()
    /// Shared strings of the run (devices, comms, symbols).
    var strings = StringInterner()

    /// Why a payload could not be decoded.
    struct Failure: Error {
        var reason: String
    }

    /// The typed payload (returned directly, no `Result` box: the payload is large
    /// and every wrapper is one more copy of it per event).
    mutating func decode(_ kind: TracedEventName, _ payload: ByteSpan) throws(Failure) -> EventPayload {
        if kind == .iommuMap, let event = IOMMUPrintedLayout.map(payload) { return .iommuMap(event) }
        if kind == .iommuUnmap, let event = IOMMUPrintedLayout.unmap(payload) { return .iommuUnmap(event) }
        fields.scan(payload)
        do {
            return try build(kind)
        } catch {
            throw Failure(reason: "\(kind.tracepoint): \(error.reason)")
        }
    }

    // MARK: - Field access

    @inline(__always)
    private func require(_ slot: PayloadFields.Slot, _ label: String) throws(Failure) -> ByteSpan {
        guard let v = fields.value(slot) else { throw Failure(reason: "missing \(label)=") }
        return v
    }

    private mutating func device() throws(Failure) -> String {
        let v = try require(.device, "device")
        guard !v.isEmpty else { throw Failure(reason: "empty device name") }
        return strings.intern(v)
    }

    private func direction() throws(Failure) -> DMADirection {
        let v = try require(.dir, "dir")
        guard let d = ValueDecoding.direction(v) else { throw Failure(reason: "unknown direction dir=\(v.string)") }
        return d
    }

    /// A number; `hex` says how the kernel prints it without `0x` (`%llx` vs `%zu`).
    /// In the raw form numbers without `0x` are decimal.
    @inline(__always)
    private func number(_ slot: PayloadFields.Slot, _ label: String, hex: Bool) throws(Failure) -> UInt64 {
        let v = try require(slot, label)
        guard let n = v.number(hexDefault: hex && !fields.raw) else { throw Failure(reason: "bad number \(label)=\(v.string)") }
        return n
    }

    private func optionalNumber(_ slot: PayloadFields.Slot, _ label: String, hex: Bool) throws(Failure) -> UInt64? {
        guard fields.has(slot) else { return nil }
        return try number(slot, label, hex: hex)
    }

    private func addresses(_ slot: PayloadFields.Slot, _ label: String, expected: Int? = nil) throws(Failure) -> [UInt64] {
        let v = try require(slot, label)
        guard let a = ValueDecoding.array(v, elementSize: 8, expected: expected) else { throw Failure(reason: "bad array \(label)=\(clip(v))") }
        return a
    }

    private func lengths(_ label: String, expected: Int? = nil) throws(Failure) -> [UInt32] {
        let v = try require(.lengths, label)
        if !v.hasPrefix("ARRAY[") {
            switch ValueDecoding.hexList(v, as: UInt32.self, expected: expected) {
            case .values(let a): return a
            case .malformed: throw Failure(reason: "bad array \(label)=\(clip(v))")
            case .tooWide(let x): throw Failure(reason: "length 0x\(String(x, radix: 16)) in \(label)= exceeds 32 bits")
            }
        }
        guard let a = ValueDecoding.array(v, elementSize: 4) else { throw Failure(reason: "bad array \(label)=\(clip(v))") }
        var out: [UInt32] = []
        out.reserveCapacity(a.count)
        for x in a {
            guard x <= UInt64(UInt32.max) else { throw Failure(reason: "length 0x\(String(x, radix: 16)) in \(label)= exceeds 32 bits") }
            out.append(UInt32(x))
        }
        return out
    }

    /// The shown count of `a/b` (`nents=`, `ents=`) when it reads as one, to size arrays; never throws.
    private func shownCount(_ slot: PayloadFields.Slot) -> Int? {
        guard let v = fields.value(slot), let slash = v.index(of: 0x2F), let a = v.slice(0, slash).decimal() else { return nil }
        return Int(clamping: a)
    }

    private func attributes() throws(Failure) -> DMAAttributes {
        guard let v = fields.value(.attrs) else { return [] }
        switch ValueDecoding.attributes(v) {
        case .success(let a): return a
        case .failure(let e): throw Failure(reason: "unknown attrs flag \(e.part)")
        }
    }

    private func clip(_ v: ByteSpan) -> String {
        v.count <= 40 ? v.string : v.slice(0, 40).string + "…"
    }

    /// `a/b` of the capped `dma_map_sg`.
    private func pair(_ slot: PayloadFields.Slot, _ label: String) throws(Failure) -> (shown: Int, full: Int)? {
        guard let v = fields.value(slot) else { return nil }
        guard let slash = v.index(of: 0x2F), let a = v.slice(0, slash).decimal(), let b = v.suffix(from: slash + 1).decimal(),
              a <= b, b <= UInt64(Int32.max) else {
            throw Failure(reason: "bad count \(label)=\(v.string)")
        }
        return (Int(a), Int(b))
    }

    // MARK: - Events

    private mutating func build(_ kind: TracedEventName) throws(Failure) -> EventPayload {
        switch kind {
        case .mapSG: return .mapSG(try mapSG())
        case .mapSGError:
            // The array is labelled dma_addrs= but holds physical addresses (field phys_addrs).
            let phys = try addresses(fields.has(.physAddrs) ? .physAddrs : .dmaAddrs, "dma_addrs")
            let errText = try require(.err, "err")
            guard let err = errText.signedDecimal(), err >= Int64(Int32.min), err <= Int64(Int32.max) else {
                throw Failure(reason: "bad number err=\(errText.string)")
            }
            return .mapSGError(MapSGErrorEvent(device: try device(), direction: try direction(), physAddresses: phys,
                                               error: Int32(err), attributes: try attributes()))
        case .unmapSG:
            return .unmapSG(UnmapSGEvent(device: try device(), direction: try direction(),
                                         physAddresses: try addresses(.physAddrs, "phys_addrs"), attributes: try attributes()))
        case .mapPhys, .mapPage, .mapResource:
            return .mapSingle(MapSingleEvent(
                api: kind == .mapPhys ? .phys : kind == .mapPage ? .page : .resource,
                device: try device(), direction: try direction(),
                physAddress: try number(.physAddr, "phys_addr", hex: true),
                dmaAddress: try number(.dmaAddr, "dma_addr", hex: true),
                size: try number(.size, "size", hex: false), attributes: try attributes()))
        case .unmapPhys, .unmapPage, .unmapResource:
            return .unmapSingle(UnmapSingleEvent(
                api: kind == .unmapPhys ? .phys : kind == .unmapPage ? .page : .resource,
                device: try device(), direction: try direction(),
                dmaAddress: try number(.dmaAddr, "dma_addr", hex: true),
                size: try number(.size, "size", hex: false), attributes: try attributes()))
        case .syncSingleForCPU, .syncSingleForDevice:
            return .syncSingle(SyncSingleEvent(
                forDevice: kind == .syncSingleForDevice, device: try device(), direction: try direction(),
                dmaAddress: try number(.dmaAddr, "dma_addr", hex: true), size: try number(.size, "size", hex: false)))
        case .syncSGForCPU, .syncSGForDevice:
            let dma = try addresses(.dmaAddrs, "dma_addrs")
            let lens = try lengths("sizes")
            guard dma.count == lens.count else {
                throw Failure(reason: "dma_addrs= has \(dma.count) values but sizes= has \(lens.count)")
            }
            return .syncSG(SyncSGEvent(forDevice: kind == .syncSGForDevice, device: try device(),
                                       direction: try direction(), dmaAddresses: dma, dmaLengths: lens))
        case .alloc, .free, .allocPages, .freePages, .allocSGT, .allocSGTError, .freeSGT:
            return .alloc(try alloc(kind))
        case .iommuMap:
            return .iommuMap(IOMMUMapEvent(iova: try number(.iova, "iova", hex: true),
                                           physAddress: try number(.physAddr, "paddr", hex: true),
                                           size: try number(.size, "size", hex: false)))
        case .iommuUnmap:
            return .iommuUnmap(IOMMUUnmapEvent(iova: try number(.iova, "iova", hex: true),
                                               size: try number(.size, "size", hex: false),
                                               unmappedSize: try number(.unmappedSize, "unmapped_size", hex: false)))
        case .ioPageFault:
            let flags = try number(.flags, "flags", hex: true)
            guard flags <= UInt64(UInt32.max) else { throw Failure(reason: "bad number flags=0x\(String(flags, radix: 16))") }
            let driver = fields.value(.driver).map { strings.intern($0) } ?? ""
            return .iommuFault(IOMMUFaultEvent(driver: driver, device: try device(),
                                               iova: try number(.iova, "iova", hex: true), flags: UInt32(flags)))
        case .attachDevice, .detachDevice:
            return .iommuAttach(device: try device(), attach: kind == .attachDevice)
        case .addDeviceToGroup, .removeDeviceFromGroup:
            let gid = try require(.groupID, "groupID")
            guard let g = gid.signedDecimal(), g >= Int64(Int32.min), g <= Int64(Int32.max) else {
                throw Failure(reason: "bad number groupID=\(gid.string)")
            }
            return .iommuGroup(groupID: Int(g), device: try device(), add: kind == .addDeviceToGroup)
        case .swiotlbBounced:
            return .swiotlbBounced(SwiotlbBouncedEvent(
                device: try device(), dmaMask: try number(.dmaMask, "dma_mask", hex: true),
                originalAddress: try number(.devAddr, "dev_addr", hex: true),
                size: try number(.size, "size", hex: false), mode: try swiotlbMode()))
        }
    }

    private mutating func mapSG() throws(Failure) -> MapSGEvent {
        let dev = try device()
        let dir = try direction()
        let ents = shownCount(.ents)
        let dma = try addresses(.dmaAddrs, "dma_addrs", expected: ents)
        let lens = try lengths(fields.raw ? "lengths" : "sizes", expected: ents)
        let phys = try addresses(.physAddrs, "phys_addrs", expected: shownCount(.nents))
        guard dma.count == lens.count else {
            throw Failure(reason: "dma_addrs= has \(dma.count) values but sizes= has \(lens.count)")
        }
        var fullNents = phys.count
        var fullEnts = dma.count
        var truncated = false
        if let n = try pair(.nents, "nents") {
            guard n.shown == phys.count else { throw Failure(reason: "nents=\(n.shown)/\(n.full) but phys_addrs= has \(phys.count) values") }
            fullNents = n.full
        }
        if let n = try pair(.ents, "ents") {
            guard n.shown == dma.count else { throw Failure(reason: "ents=\(n.shown)/\(n.full) but dma_addrs= has \(dma.count) values") }
            fullEnts = n.full
        }
        if fields.raw {
            if let n = try optionalNumber(.fullNents, "full_nents", hex: false) { fullNents = max(Int(clamping: n), phys.count) }
            if let n = try optionalNumber(.fullEnts, "full_ents", hex: false) { fullEnts = max(Int(clamping: n), dma.count) }
            if let t = fields.value(.truncated) { truncated = !(t.equals("0") || t.equals("false")) }
        } else if fields.has(.truncated) {
            truncated = true
        }
        if fullNents > phys.count || fullEnts > dma.count { truncated = true }
        return MapSGEvent(device: dev, direction: dir, physAddresses: phys, dmaAddresses: dma, dmaLengths: lens,
                          fullNents: fullNents, fullEnts: fullEnts, truncated: truncated, attributes: try attributes())
    }

    private mutating func alloc(_ kind: TracedEventName) throws(Failure) -> AllocEvent {
        let allocKind = AllocEventKind(kind)
        let phys: [UInt64] = (kind == .allocSGT || kind == .freeSGT || fields.has(.physAddrs))
            ? try addresses(.physAddrs, "phys_addrs") : []
        var virt: UInt64? = nil
        if let v = fields.value(.virtAddr) { virt = v.number(hexDefault: !fields.raw) } // `(____ptrval____)` stays nil
        let gfp = fields.value(.flags).map { strings.intern($0) }
        return AllocEvent(kind: allocKind, device: try device(),
                          direction: fields.has(.dir) ? try direction() : nil,
                          dmaAddress: try number(.dmaAddr, "dma_addr", hex: true),
                          size: try number(.size, "size", hex: false),
                          physAddress: try optionalNumber(.physAddr, "phys_addr", hex: true),
                          physAddresses: phys, virtualAddress: virt, gfpFlags: gfp, attributes: try attributes())
    }

    private func swiotlbMode() throws(Failure) -> String {
        let v = try require(.mode, "mode")
        if v.equals("NORMAL") || v.equals("0") || v.equals("false") { return "NORMAL" }
        if v.equals("FORCE") || v.equals("1") || v.equals("true") { return "FORCE" }
        if v.equals("NO_FORCE") || v.equals("2") { return "NO_FORCE" }
        throw Failure(reason: "unknown swiotlb mode \(v.string)")
    }
}
