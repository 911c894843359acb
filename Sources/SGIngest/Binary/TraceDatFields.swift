internal import CTraceCmd

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fields this tool reads, by their names in the kernel's format files
/// (6.12–6.17 and 6.18 layouts; older and newer names side by side).
enum DatField: Int, CaseIterable {
    case device, devName, driver
    case physAddrs, dmaAddrs, lengths, addrs
    case fullNents, fullEnts, truncated
    case dir, attrs, physAddr, dmaAddr, addr, size, err
    case iova, paddr, unmappedSize, flags, gid, virtAddr
    case dmaMask, devAddr, force, swiotlbForce

    var name: String {
        switch self {
        case .device: return "device"
        case .devName: return "dev_name"
        case .driver: return "driver"
        case .physAddrs: return "phys_addrs"
        case .dmaAddrs: return "dma_addrs"
        case .lengths: return "lengths"
        case .addrs: return "addrs"
        case .fullNents: return "full_nents"
        case .fullEnts: return "full_ents"
        case .truncated: return "truncated"
        case .dir: return "dir"
        case .attrs: return "attrs"
        case .physAddr: return "phys_addr"
        case .dmaAddr: return "dma_addr"
        case .addr: return "addr"
        case .size: return "size"
        case .err: return "err"
        case .iova: return "iova"
        case .paddr: return "paddr"
        case .unmappedSize: return "unmapped_size"
        case .flags: return "flags"
        case .gid: return "gid"
        case .virtAddr: return "virt_addr"
        case .dmaMask: return "dma_mask"
        case .devAddr: return "dev_addr"
        case .force: return "force"
        case .swiotlbForce: return "swiotlb_force"
        }
    }
}

/// One event id's decoding plan: which of our events it is (nil: other) and its fields.
struct DatEventLayout {
    var kind: TracedEventName?
    var fields: [UnsafeMutablePointer<tep_format_field>?]
    /// Set for `ftrace:kernel_stack` (a stack trace of the event before it on that CPU).
    var stack: DatStackLayout? = nil
}

/// The fields of `ftrace:kernel_stack`: `int size` (entries) and `unsigned long caller[]`.
struct DatStackLayout {
    var size: UnsafeMutablePointer<tep_format_field>?
    var caller: UnsafeMutablePointer<tep_format_field>
}

/// Layouts by event id, built on first sight of each id from the trace's format files.
struct TraceDatEventLayouts {
    let tep: OpaquePointer
    /// Indexed by id (`common_type` is 16 bits): nil = not looked up yet.
    private var byID: [DatEventLayout??] = Array(repeating: nil, count: 1 << 16)

    init(tep: OpaquePointer) { self.tep = tep }

    /// The layout of event `id`; nil when the trace defines no such event.
    mutating func layout(_ id: Int) -> DatEventLayout? {
        guard id >= 0, id < byID.count else { return Self.make(tep: tep, id: id) }
        if let known = byID[id] { return known }
        let made = Self.make(tep: tep, id: id)
        byID[id] = .some(made)
        return made
    }

    private static func make(tep: OpaquePointer, id: Int) -> DatEventLayout? {
        guard id >= 0, id <= Int(Int32.max), let event = tep_find_event(tep, Int32(id)) else { return nil }
        let name = event.pointee.name.map { String(cString: $0) } ?? ""
        let system = event.pointee.system.map { String(cString: $0) } ?? ""
        if system == "ftrace", name == "kernel_stack", let caller = tep_find_field(event, "caller"),
           caller.pointee.size >= 8 || caller.pointee.elementsize == 8 {
            return DatEventLayout(kind: nil, fields: [], stack: DatStackLayout(size: tep_find_field(event, "size"), caller: caller))
        }
        guard let kind = TracedEventName.allCases.first(where: { "\($0.tracepoint)" == name }),
              kind.belongs(toSystem: system) else {
            return DatEventLayout(kind: nil, fields: [])
        }
        let fields = DatField.allCases.map { f in f.name.withCString { tep_find_field(event, $0) } }
        return DatEventLayout(kind: kind, fields: fields)
    }
}

extension TracedEventName {
    /// The tracepoint's system in a binary trace (`dma`, `iommu`, `swiotlb`).
    func belongs(toSystem system: String) -> Bool {
        switch self {
        case .iommuMap, .iommuUnmap, .ioPageFault, .attachDevice, .detachDevice, .addDeviceToGroup, .removeDeviceFromGroup:
            return system == "iommu"
        case .swiotlbBounced:
            return system == "swiotlb"
        default:
            return system == "dma"
        }
    }
}

/// Raw field values of one record, decoded into the same typed payloads as
/// ``PayloadDecoder`` gives for the text of the same event.
struct TraceDatFields {
    typealias Failure = PayloadDecoder.Failure
    let tep: OpaquePointer
    let data: UnsafeRawBufferPointer
    let layout: DatEventLayout
    private let swap: Bool

    init(tep: OpaquePointer, data: UnsafeRawBufferPointer, layout: DatEventLayout) {
        self.tep = tep
        self.data = data
        self.layout = layout
        #if _endian(little)
        swap = tep_is_file_bigendian(tep)
        #else
        swap = !tep_is_file_bigendian(tep)
        #endif
    }

    // MARK: - Raw access

    private func field(_ f: DatField) -> UnsafeMutablePointer<tep_format_field>? { layout.fields[f.rawValue] }
    private func has(_ f: DatField) -> Bool { field(f) != nil }

    /// A scalar field, sign-extended when the format says it is signed.
    private func number(_ f: DatField) throws(Failure) -> UInt64 {
        guard let field = field(f) else { throw Failure(reason: "missing field \(f.name)") }
        let offset = Int(field.pointee.offset), size = Int(field.pointee.size)
        guard offset >= 0, size > 0, size <= 8, offset + size <= data.count else {
            throw Failure(reason: "field \(f.name) (offset \(offset), size \(size)) lies outside the \(data.count)-byte record")
        }
        var value: UInt64 = 0
        guard tep_read_number_field(field, data.baseAddress, &value) == 0 else { throw Failure(reason: "field \(f.name) cannot be read") }
        if field.pointee.flags & UInt(TEP_FIELD_IS_SIGNED.rawValue) != 0, size < 8 {
            let shift = UInt64(64 - size * 8)
            value = UInt64(bitPattern: Int64(bitPattern: value << shift) >> Int64(shift))
        }
        return value
    }

    private func optionalNumber(_ f: DatField) throws(Failure) -> UInt64? {
        has(f) ? try number(f) : nil
    }

    /// The bytes of a `__data_loc` (or `__rel_loc`) field: the 32-bit word holds offset (low 16 bits) and length.
    private func dynamic(_ f: DatField) throws(Failure) -> UnsafeRawBufferPointer {
        guard let field = field(f) else { throw Failure(reason: "missing field \(f.name)") }
        let at = Int(field.pointee.offset)
        guard at >= 0, at + 4 <= data.count, let base = data.baseAddress else {
            throw Failure(reason: "field \(f.name) lies outside the \(data.count)-byte record")
        }
        let word = UInt32(truncatingIfNeeded: tep_read_number(tep, base + at, 4))
        var offset = Int(word & 0xFFFF)
        let length = Int(word >> 16)
        if field.pointee.flags & UInt(TEP_FIELD_IS_RELATIVE.rawValue) != 0 { offset += at + Int(field.pointee.size) }
        guard offset + length <= data.count else {
            throw Failure(reason: "\(f.name): data of \(length) bytes at offset \(offset) runs past the \(data.count)-byte record")
        }
        return UnsafeRawBufferPointer(start: base + offset, count: length)
    }

    private func array(_ f: DatField, elementSize: Int) throws(Failure) -> [UInt64] {
        let bytes = try dynamic(f)
        guard bytes.count % elementSize == 0 else {
            throw Failure(reason: "\(f.name): \(bytes.count) bytes is not a whole number of \(elementSize)-byte values")
        }
        let n = bytes.count / elementSize
        var out = [UInt64]()
        out.reserveCapacity(n)
        for i in 0..<n {
            if elementSize == 8 {
                let v = bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
                out.append(swap ? v.byteSwapped : v)
            } else {
                let v = bytes.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)
                out.append(UInt64(swap ? v.byteSwapped : v))
            }
        }
        return out
    }

    private func lengths() throws(Failure) -> [UInt32] {
        try array(.lengths, elementSize: 4).map { UInt32(truncatingIfNeeded: $0) }
    }

    private func string(_ f: DatField, _ strings: inout StringInterner) throws(Failure) -> String {
        let bytes = try dynamic(f)
        var n = 0
        while n < bytes.count, bytes[n] != 0 { n += 1 }
        guard n > 0, let base = bytes.baseAddress else { return "" }
        return strings.intern(ByteSpan(base.assumingMemoryBound(to: UInt8.self), n))
    }

    private func device(_ strings: inout StringInterner, _ f: DatField = .device) throws(Failure) -> String {
        let d = try string(f, &strings)
        guard !d.isEmpty else { throw Failure(reason: "empty device name") }
        return d
    }

    private func direction() throws(Failure) -> DMADirection {
        let v = try number(.dir)
        guard v <= 3, let d = DMADirection(rawValue: UInt8(v)) else { throw Failure(reason: "unknown direction dir=\(v)") }
        return d
    }

    private func attributes() throws(Failure) -> DMAAttributes {
        DMAAttributes(rawValue: try optionalNumber(.attrs) ?? 0)
    }

    private func int32(_ f: DatField, label: String) throws(Failure) -> Int32 {
        let v = Int64(bitPattern: try number(f))
        guard v >= Int64(Int32.min), v <= Int64(Int32.max) else { throw Failure(reason: "bad number \(label)=\(v)") }
        return Int32(v)
    }

    // MARK: - Events

    func decode(_ kind: TracedEventName, strings: inout StringInterner) throws(Failure) -> EventPayload {
        switch kind {
        case .mapSG:
            let dev = try device(&strings)
            let dir = try direction()
            let dma = try array(.dmaAddrs, elementSize: 8)
            let lens = try lengths()
            let phys = try array(.physAddrs, elementSize: 8)
            guard dma.count == lens.count else {
                throw Failure(reason: "dma_addrs= has \(dma.count) values but sizes= has \(lens.count)")
            }
            var fullNents = phys.count, fullEnts = dma.count
            if let n = try optionalNumber(.fullNents) { fullNents = max(Int(truncatingIfNeeded: Int64(bitPattern: n)), phys.count) }
            if let n = try optionalNumber(.fullEnts) { fullEnts = max(Int(truncatingIfNeeded: Int64(bitPattern: n)), dma.count) }
            var truncated = (try optionalNumber(.truncated) ?? 0) != 0
            if fullNents > phys.count || fullEnts > dma.count { truncated = true }
            return .mapSG(MapSGEvent(device: dev, direction: dir, physAddresses: phys, dmaAddresses: dma, dmaLengths: lens,
                                     fullNents: fullNents, fullEnts: fullEnts, truncated: truncated, attributes: try attributes()))
        case .mapSGError:
            let phys = try array(has(.physAddrs) ? .physAddrs : .dmaAddrs, elementSize: 8)
            return .mapSGError(MapSGErrorEvent(device: try device(&strings), direction: try direction(), physAddresses: phys,
                                               error: try int32(.err, label: "err"), attributes: try attributes()))
        case .unmapSG:
            let phys = try array(has(.addrs) ? .addrs : .physAddrs, elementSize: 8)
            return .unmapSG(UnmapSGEvent(device: try device(&strings), direction: try direction(), physAddresses: phys,
                                         attributes: try attributes()))
        case .mapPhys, .mapPage, .mapResource:
            return .mapSingle(MapSingleEvent(
                api: kind == .mapPhys ? .phys : kind == .mapPage ? .page : .resource,
                device: try device(&strings), direction: try direction(),
                physAddress: try number(.physAddr), dmaAddress: try number(.dmaAddr),
                size: try number(.size), attributes: try attributes()))
        case .unmapPhys, .unmapPage, .unmapResource:
            return .unmapSingle(UnmapSingleEvent(
                api: kind == .unmapPhys ? .phys : kind == .unmapPage ? .page : .resource,
                device: try device(&strings), direction: try direction(),
                dmaAddress: try number(has(.addr) ? .addr : .dmaAddr),
                size: try number(.size), attributes: try attributes()))
        case .syncSingleForCPU, .syncSingleForDevice:
            return .syncSingle(SyncSingleEvent(
                forDevice: kind == .syncSingleForDevice, device: try device(&strings), direction: try direction(),
                dmaAddress: try number(.dmaAddr), size: try number(.size)))
        case .syncSGForCPU, .syncSGForDevice:
            let dma = try array(.dmaAddrs, elementSize: 8)
            let lens = try lengths()
            guard dma.count == lens.count else {
                throw Failure(reason: "dma_addrs= has \(dma.count) values but sizes= has \(lens.count)")
            }
            return .syncSG(SyncSGEvent(forDevice: kind == .syncSGForDevice, device: try device(&strings),
                                       direction: try direction(), dmaAddresses: dma, dmaLengths: lens))
        case .alloc, .free, .allocPages, .freePages, .allocSGT, .allocSGTError, .freeSGT:
            return .alloc(try alloc(kind, &strings))
        case .iommuMap:
            return .iommuMap(IOMMUMapEvent(iova: try number(.iova), physAddress: try number(.paddr), size: try number(.size)))
        case .iommuUnmap:
            return .iommuUnmap(IOMMUUnmapEvent(iova: try number(.iova), size: try number(.size),
                                               unmappedSize: try number(.unmappedSize)))
        case .ioPageFault:
            let flags = UInt32(truncatingIfNeeded: try number(.flags))
            let driver = has(.driver) ? try string(.driver, &strings) : ""
            return .iommuFault(IOMMUFaultEvent(driver: driver, device: try device(&strings), iova: try number(.iova), flags: flags))
        case .attachDevice, .detachDevice:
            return .iommuAttach(device: try device(&strings), attach: kind == .attachDevice)
        case .addDeviceToGroup, .removeDeviceFromGroup:
            let g = try int32(.gid, label: "groupID")
            return .iommuGroup(groupID: Int(g), device: try device(&strings), add: kind == .addDeviceToGroup)
        case .swiotlbBounced:
            let mode: String
            switch try optionalNumber(has(.force) ? .force : .swiotlbForce) ?? 0 {
            case 0: mode = "NORMAL"
            case 1: mode = "FORCE"
            case 2: mode = "NO_FORCE"
            case let v: throw Failure(reason: "unknown swiotlb mode \(v)")
            }
            return .swiotlbBounced(SwiotlbBouncedEvent(
                device: try device(&strings, has(.devName) ? .devName : .device), dmaMask: try number(.dmaMask),
                originalAddress: try number(.devAddr), size: try number(.size), mode: mode))
        }
    }

    private func alloc(_ kind: TracedEventName, _ strings: inout StringInterner) throws(Failure) -> AllocEvent {
        let allocKind = AllocEventKind(kind)
        let phys = has(.physAddrs) ? try array(.physAddrs, elementSize: 8) : []
        // GFP flags as the raw decimal value (the text path's `[FAILED TO PARSE]` form): names
        // would need the print format's flag table, i.e. the text printer.
        let gfp = try optionalNumber(.flags).map { String($0) }
        return AllocEvent(kind: allocKind, device: try device(&strings),
                          direction: has(.dir) ? try direction() : nil,
                          dmaAddress: try number(.dmaAddr), size: try number(.size),
                          physAddress: try optionalNumber(.physAddr), physAddresses: phys,
                          virtualAddress: try optionalNumber(.virtAddr), gfpFlags: gfp, attributes: try attributes())
    }
}
