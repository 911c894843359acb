import SGIngest
import SGModel

/// Learns device properties online from the events of a trace (IOMMU or
/// direct, granule, swiotlb pool, P2P windows, largest segments), with a
/// topology file overriding anything inferred.
///
/// Inferred limits are lower bounds learned from what the trace used
/// (`max_segment_size ≥ largest segment seen`); they are noted in
/// ``DeviceRecord/notes`` and never make a finding definite.
public struct DeviceInference: Sendable {
    public var topology: Topology {
        didSet { for name in Set(records.keys).union(topology.devices.keys) { records[name] = build(name) } }
    }

    /// `iommu:map` events not yet attributed, per CPU and task.
    private var pendingRuns: [CPUTask: [IOMMUMapEvent]] = [:]
    /// `swiotlb_bounced` just seen, per CPU and task (device name).
    private var pendingBounce: [CPUTask: String] = [:]
    private var evidence: [String: DeviceEvidence] = [:]
    /// Current record of every device seen or named by the topology.
    private var records: [String: DeviceRecord] = [:]

    /// The `iommu:map` runs attributed to the last DMA event observed (same
    /// CPU and task, just before it); what ``ListReconstructor`` takes.
    public private(set) var lastIOMMURuns: [IOMMUMapEvent] = []

    public init(topology: Topology = Topology()) {
        self.topology = topology
        for name in topology.devices.keys { records[name] = build(name) }
    }

    /// Feeds one event (in trace order).
    public mutating func observe(_ event: TraceEvent) {
        let task = CPUTask(cpu: event.context.cpu, pid: event.context.pid, execution: event.context.execution)
        switch event.payload {
        case .iommuMap(let run):
            pendingRuns[task, default: []].append(run)
            if pendingRuns[task]!.count > 4096 { pendingRuns[task]!.removeFirst(2048) }
            return
        case .iommuUnmap(let unmap):
            if let runs = pendingRuns[task], unmap.rollsBack(runs) { pendingRuns[task] = nil }
            return
        case .swiotlbBounced(let b):
            pendingBounce[task] = b.device
            update(b.device) { e in
                e.bounces += 1
                if b.mode == "FORCE" { e.forcedBounce = true }
            }
            return
        case .iommuGroup(let group, let device, let add):
            update(device) { $0.iommuGroup = add ? group : nil }
            return
        default:
            break
        }
        lastIOMMURuns = pendingRuns.removeValue(forKey: task) ?? []
        let bouncedDevice = pendingBounce.removeValue(forKey: task)
        switch event.payload {
        case .mapSG(let e):
            let runs = lastIOMMURuns
            update(e.device) { ev in
                ev.classify(e, runs: runs, bounced: bouncedDevice == e.device)
            }
        case .mapSingle(let e) where e.dmaAddress != dmaMappingError:
            let runs = lastIOMMURuns
            update(e.device) { ev in
                ev.classifySingle(phys: e.physAddress, dma: e.dmaAddress, size: e.size, runs: runs, bounced: bouncedDevice == e.device, mmio: e.api == .resource || e.attributes.contains(.mmio))
            }
        case .mapSingle, .mapSGError, .unmapSG, .unmapSingle, .syncSingle, .syncSG, .alloc, .iommuFault, .iommuAttach:
            if let device = event.payload.device, records[device] == nil { update(device) { _ in } }
        case .iommuMap, .iommuUnmap, .swiotlbBounced, .iommuGroup:
            break
        }
    }

    /// The device as known now: topology fields first, then inferred ones, then kernel defaults.
    /// Its notes' counts may lag (records are rebuilt when a decision changes, not on every
    /// count); ``allRecords`` is exact.
    public func record(for device: String) -> DeviceRecord {
        records[device] ?? build(device)
    }

    /// The device as known now with its notes up to date (built afresh).
    public func freshRecord(for device: String) -> DeviceRecord {
        build(device)
    }

    /// Every device seen so far or named by the topology, sorted by name, notes up to date.
    public var allRecords: [DeviceRecord] {
        records.keys.sorted().map { build($0) }
    }

    /// swiotlb pool: the topology's, else the window bounced outputs were seen in.
    public var swiotlbPool: SwiotlbPool? {
        if let pool = topology.swiotlbPool { return pool }
        let low = evidence.values.map(\.bounceLow).min() ?? .max
        let high = evidence.values.map(\.bounceHigh).max() ?? 0
        guard low <= high else { return nil }
        let start = low & ~UInt64(0x7ff)
        return SwiotlbPool(start: start, size: max(1, (high - start) &+ 1))
    }

    /// P2PDMA windows: the topology's, else the windows of constant `dma − phys`
    /// seen for outputs that bypassed the IOMMU (provider unknown: `inferred-N`).
    public var p2pWindows: [P2PWindow] {
        if !topology.p2pWindows.isEmpty { return topology.p2pWindows }
        var windows: [P2PWindow] = []
        for (offset, range) in evidence.values.flatMap(\.busOffsets).sorted(by: { $0.value.lowerBound < $1.value.lowerBound }) {
            windows.append(P2PWindow(provider: "inferred-\(windows.count)", phys: range.lowerBound, size: max(1, (range.upperBound - range.lowerBound) &+ 1), busOffset: offset))
        }
        return windows
    }

    /// A topology file with every device's current values (topology ones and
    /// inferred ones), for the user to check and edit (`sgreplay devices --json`).
    /// Inferred lower bounds (mask width, largest segment) are left out: written
    /// as limits they would turn into definite findings; see ``lowerBounds``.
    public func topologyFile() -> Topology {
        var out = topology
        out.swiotlbPool = swiotlbPool
        out.p2pWindows = p2pWindows
        for record in allRecords {
            let p = record.properties
            let ev = evidence[p.name] ?? DeviceEvidence()
            var o = topology.devices[p.name] ?? DeviceOverrides()
            if o.iommu == nil, let mode = ev.inferredIOMMU { o.iommu = mode }
            if o.iommuGroup == nil { o.iommuGroup = record.iommuGroup }
            if o.iovaGranule == nil, p.iommu.isTranslated { o.iovaGranule = p.iovaGranule }
            if o.swiotlb == nil, ev.forcedBounce { o.swiotlb = .force }
            if o.dmaRangeOffset == nil, let offset = ev.constantRangeOffset { o.dmaRangeOffset = offset }
            out.devices[p.name] = o
        }
        return out
    }

    /// Limits the trace bounds from below where the topology does not give them, per device.
    public var inferredBounds: [String: InferredBounds] {
        var out: [String: InferredBounds] = [:]
        for (name, ev) in evidence {
            let given = topology.devices[name]
            let b = InferredBounds(
                dmaMaskBits: given?.dmaMaskBits == nil ? ev.maskBitsLowerBound : nil,
                largestSegment: given?.maxSegmentSize == nil && ev.largestSegment > 0 ? ev.largestSegment : nil
            )
            if b != InferredBounds() { out[name] = b }
        }
        return out
    }

    /// The same, in words (`0000:01:00.0: dma_mask_bits >= 32, max_segment_size >= 0x80000`).
    public var lowerBounds: [String] {
        let bounds = inferredBounds
        return bounds.keys.sorted().map { name in
            let b = bounds[name]!
            let parts = [b.dmaMaskBits.map { "dma_mask_bits >= \($0)" }, b.largestSegment.map { "max_segment_size >= \(hex($0))" }]
            return "\(name): " + parts.compactMap { $0 }.joined(separator: ", ")
        }
    }

    private mutating func update(_ device: String, _ change: (inout DeviceEvidence) -> Void) {
        var ev = evidence[device] ?? DeviceEvidence()
        let before = ev
        change(&ev)
        guard ev != before || records[device] == nil else { return }
        evidence[device] = ev
        // Rebuild the record only when something it decides changed (counts alone only feed
        // its notes): rebuilding on every map cost 13 % of a whole analyze.
        if records[device] == nil || ev.decisions != before.decisions { records[device] = build(device) }
        if ev.bounceLow != before.bounceLow || ev.bounceHigh != before.bounceHigh || ev.movedLow != before.movedLow || ev.movedHigh != before.movedHigh {
            weighPool()
        }
    }

    /// A device whose moved outputs were only guessed to be IOVAs, lying in the
    /// swiotlb pool (the topology's, or within one default 64 MiB pool of the
    /// slots other devices showed), bounces too: swiotlb is one pool for all.
    private mutating func weighPool() {
        let shown = evidence.values.filter { $0.bounceLow <= $0.bounceHigh }
        let given = topology.swiotlbPool
        let low = shown.map(\.bounceLow).min() ?? .max, high = shown.map(\.bounceHigh).max() ?? 0
        guard given != nil || low <= high else { return }
        for (name, ev) in evidence where ev.mapsWithIOMMURuns == 0 && ev.mapsMerged == 0 && ev.movedLow <= ev.movedHigh && topology.devices[name]?.iommu == nil {
            let inside: Bool
            if let given {
                inside = given.contains(ev.movedLow) && given.contains(ev.movedHigh)
            } else {
                inside = max(high, ev.movedHigh) - min(low, ev.movedLow) < Self.defaultPoolSize
            }
            guard inside != ev.insideBouncePool else { continue }
            evidence[name]!.insideBouncePool = inside
            records[name] = build(name)
        }
    }

    /// The default swiotlb pool (`IO_TLB_DEFAULT_SIZE`).
    static let defaultPoolSize: UInt64 = 64 << 20

    /// Builds a device's record: defaults, then inferred values, then topology.
    private func build(_ name: String) -> DeviceRecord {
        let pageSize = topology.pageSize ?? 4096
        let ev = evidence[name] ?? DeviceEvidence()
        var p = DeviceProperties(name: name, iovaGranule: pageSize, pageSize: pageSize)
        var notes: [String] = []
        var assumption: String?
        if let mode = ev.inferredIOMMU {
            p.iommu = mode
            if ev.swiotlbShaped && ev.constantRangeOffset == nil && ev.mapsOutsideIOVALayout == 0 {
                let why = ev.swiotlbShape ?? "the outputs lie in the swiotlb pool other devices bounce through"
                assumption = "swiotlb bounce slots (inferred: \(why); no iommu:map events, nothing merged)"
                notes.append("iommu: none, outputs are swiotlb bounce slots (\(ev.mapsSwiotlbShaped) mapping(s) in a shape dma-iommu never makes: \(why); none swiotlb could not make)")
                p.swiotlb = .force
            } else {
                notes.append(mode.isTranslated ? "iommu: translated (\(ev.mapsWithIOMMURuns > 0 ? "iommu:map runs" : ev.mapsMerged > 0 ? "merged outputs" : "IOVA-like outputs: a guess, swiotlb bounce slots can look alike"))" : "iommu: none (outputs are phys\(ev.constantRangeOffset == nil ? "" : " minus a constant"))")
                if !ev.mapperShown {
                    assumption = mode.isTranslated
                        ? "dma-iommu (inferred from IOVA-like outputs only: no iommu:map events, no merged outputs, no topology; swiotlb bounce slots look alike)"
                        : "dma-direct (inferred\(ev.constantRangeOffset == nil ? "" : " with a DMA range offset"); no topology)"
                }
            }
        }
        if let offset = ev.constantRangeOffset {
            p.dmaRangeOffset = offset
            notes.append("dma_range_offset \(hex(offset)) (constant phys − dma over \(ev.rangeOffsetMappings) mappings)")
        }
        if let g = ev.inferredGranule(pageSize: pageSize) {
            p.iovaGranule = g
            notes.append("iova_granule \(g) (iommu:map alignment)")
        }
        if let bits = ev.maskBitsLowerBound { notes.append("dma_mask_bits >= \(bits) (highest address seen)") }
        if ev.largestSegment > 0 {
            p.maxSegmentSize = UInt32(clamping: max(UInt64(p.maxSegmentSize), ev.largestSegment))
            notes.append("max_segment_size >= \(hex(ev.largestSegment)) (largest segment seen)")
        }
        if ev.bounces > 0 { notes.append("swiotlb: \(ev.bounces) bounce(s)\(ev.forcedBounce ? " (forced)" : "")") }
        if ev.forcedBounce { p.swiotlb = .force }
        let overrides = topology.devices[name]
        if let overrides, !overrides.isEmpty {
            overrides.apply(to: &p)
            notes.insert("topology: \(overrides.jsonObject().keys.sorted().joined(separator: ", "))", at: 0)
        }
        let source: PropertySource = (overrides?.isEmpty ?? true) ? .inferred : .topology
        var record = DeviceRecord(properties: p, kind: DeviceNameShape.kind(of: name), source: source, iommuGroup: overrides?.iommuGroup ?? ev.iommuGroup, notes: notes)
        record.mapperAssumption = overrides?.iommu == nil ? assumption : nil
        return record
    }
}

/// A CPU and task: the key that ties `iommu:map` and `swiotlb_bounced` events
/// to the DMA event they belong to.
struct CPUTask: Hashable, Sendable {
    var cpu: Int32
    var pid: Int32
    /// An interrupt prints the interrupted task's pid: its events are another stream.
    var execution: ExecutionContext

    /// One word into the hasher (looked up on every event).
    func hash(into hasher: inout Hasher) {
        hasher.combine(UInt64(UInt32(bitPattern: cpu)) << 34 ^ UInt64(UInt32(bitPattern: pid)) << 2 ^ UInt64(execution.rawValue))
    }
}

/// What kind of device a name denotes, from its shape.
enum DeviceNameShape {
    /// Three non-empty `:`-separated parts (`dddd:bb:dd.f`), as `split(separator: ":")`
    /// counts them: a PCI function as the segment-boundary default sees it. Counts bytes:
    /// it runs on every map, where splitting allocated an array.
    static func hasPCIParts(_ name: String) -> Bool {
        var parts = 0
        var inPart = false
        for b in name.utf8 {
            if b == 0x3A { inPart = false } else if !inPart { inPart = true; parts += 1 }
        }
        return parts == 3
    }

    /// `pci` for `dddd:bb:dd.f`, else `platform`.
    static func kind(of name: String) -> String {
        let parts = name.split(separator: ":")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2,
              parts[2].split(separator: ".").count == 2,
              name.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return "platform" }
        return "pci"
    }
}
