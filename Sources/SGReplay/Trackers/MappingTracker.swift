import DequeModule
import SGIngest
import SGModel

/// Live mappings per device and per IOMMU domain, and a bounded memory of
/// recently retired ones.
///
/// - sg mappings are keyed by their input phys list (`dma_unmap_sg` carries
///   only that), looked up through the first phys address;
/// - single mappings and coherent allocations by DMA address;
/// - every live output range per device, every IOVA span per domain, every
///   bus-address range per domain and every bounce range (one global pool) in
///   ``LiveRangeIndex``es for overlap, sync and fault lookups.
public struct MappingTracker: Sendable {
    /// How an unmap's phys list relates to a live mapping's.
    public enum SGMatch: Sendable {
        case exact(Int)
        /// The unmap listed fewer entries (a prefix of the mapped list).
        case prefix(Int)
        /// The unmap listed more entries (the mapped list is its prefix).
        case extended(Int)
        case none
    }

    public private(set) var live: [Int: TrackedMapping] = [:]
    private var sgByFirstPhys: [String: [UInt64: [Int]]] = [:]
    private var singleByAddress: [String: [UInt64: [Int]]] = [:]
    private var outputsByDevice: [String: LiveRangeIndex] = [:]
    private var iovaByDomain: [String: LiveRangeIndex] = [:]
    private var busByDomain: [String: LiveRangeIndex] = [:]
    private var bounces = LiveRangeIndex()
    private var retired: Deque<TrackedMapping> = []
    /// Retired id → the live twins its unmap could equally have meant.
    private var twinOfRetired: [Int: [Int]] = [:]
    private var nextID = 1
    /// How many retired mappings are remembered (bounded memory).
    public var retiredCapacity: Int

    public init(retiredCapacity: Int = 16384) {
        self.retiredCapacity = retiredCapacity
    }

    /// A fresh mapping id.
    public mutating func allocateID() -> Int {
        defer { nextID += 1 }
        return nextID
    }

    /// Makes `mapping` live and indexes it.
    public mutating func insert(_ mapping: TrackedMapping) {
        live[mapping.id] = mapping
        switch mapping.kind {
        case .scatterGather:
            if let first = mapping.phys.first { sgByFirstPhys[mapping.device, default: [:]][first, default: []].append(mapping.id) }
        case .single, .coherent:
            if let first = mapping.outputs.first { singleByAddress[mapping.device, default: [:]][first.address, default: []].append(mapping.id) }
        }
        // One dictionary access per mapping (the device's index is modified in place), and its
        // outputs walked without building their ranges.
        Self.insertOutputs(of: mapping, into: &outputsByDevice[mapping.device, default: LiveRangeIndex()])
        if let span = mapping.iovaSpan { iovaByDomain[mapping.domain, default: LiveRangeIndex()].insert(start: span.start, end: span.end, owner: mapping.id) }
        for r in mapping.busRanges { busByDomain[mapping.domain, default: LiveRangeIndex()].insert(start: r.start, end: r.end, owner: mapping.id) }
        for r in mapping.bounceRanges { bounces.insert(start: r.start, end: r.end, owner: mapping.id) }
    }

    /// Retires a live mapping at `unmap`; returns it (nil when not live).
    @discardableResult
    public mutating func retire(_ id: Int, at unmap: EventReference) -> TrackedMapping? {
        guard var m = live.removeValue(forKey: id) else { return nil }
        switch m.kind {
        case .scatterGather:
            if let first = m.phys.first { Self.removeID(id, from: &sgByFirstPhys, device: m.device, key: first) }
        case .single, .coherent:
            if let first = m.outputs.first { Self.removeID(id, from: &singleByAddress, device: m.device, key: first.address) }
        }
        Self.removeOutputs(of: m, from: &outputsByDevice[m.device])
        if let span = m.iovaSpan { iovaByDomain[m.domain]?.remove(start: span.start, owner: id) }
        for r in m.busRanges { busByDomain[m.domain]?.remove(start: r.start, owner: id) }
        for r in m.bounceRanges { bounces.remove(start: r.start, owner: id) }
        m.unmap = unmap
        retired.append(m)
        if retired.count > retiredCapacity, let gone = retired.popFirst() { twinOfRetired[gone.id] = nil }
        return m
    }

    /// Live sg mappings of the same device with the same phys list, count
    /// and direction as live mapping `id`: a `dma_unmap_sg` cannot tell them
    /// apart (the same pages mapped twice, e.g. one page sent in two packets).
    public func twins(of id: Int) -> [Int] {
        guard let m = live[id], m.kind == .scatterGather, let first = m.phys.first else { return [] }
        return (sgByFirstPhys[m.device]?[first] ?? []).filter { other in
            guard other != id, let t = live[other] else { return false }
            return t.nents == m.nents && t.direction == m.direction && t.phys == m.phys
        }
    }

    /// Retired mapping `id`, while remembered.
    public func retiredMapping(id: Int) -> TrackedMapping? {
        retired.last { $0.id == id }
    }

    /// Records that retired mapping `retiredID`'s unmap could equally have been one of `twins`'.
    public mutating func noteAmbiguousUnmap(retired retiredID: Int, twins: [Int]) {
        twinOfRetired[retiredID] = twins
    }

    /// The live twins of retired mapping `retiredID`, when its unmap was ambiguous.
    public func liveTwins(ofRetired retiredID: Int) -> [TrackedMapping] {
        (twinOfRetired[retiredID] ?? []).compactMap { live[$0] }
    }

    /// The retired twin of live mapping `id` whose ambiguous unmap may have been this one's.
    public func retiredTwin(ofLive id: Int) -> TrackedMapping? {
        guard let r = twinOfRetired.first(where: { $0.value.contains(id) })?.key else { return nil }
        return retiredMapping(id: r)
    }

    /// Later evidence (its IOVA unmapped, a sync of it, its IOVA reused) shows
    /// the ambiguous unmap that retired `retiredID` was its live twin
    /// `twinID`'s: the twin is retired at that unmap instead and `retiredID`
    /// is live again. Returns (now live, now retired), or nil when there is
    /// nothing to swap.
    public mutating func swapAmbiguousUnmap(retired retiredID: Int, with twinID: Int) -> (TrackedMapping, TrackedMapping)? {
        guard let twins = twinOfRetired[retiredID], twins.contains(twinID), live[twinID] != nil,
              let k = retired.lastIndex(where: { $0.id == retiredID }), let unmap = retired[k].unmap else { return nil }
        twinOfRetired[retiredID] = nil
        var m = retired.remove(at: k)
        m.unmap = nil
        insert(m)
        guard let twin = retire(twinID, at: unmap) else { return nil }
        let others = twins.filter { $0 != twinID && live[$0] != nil }
        if !others.isEmpty { twinOfRetired[twinID] = others }
        return (m, twin)
    }

    /// Best live sg match for an unmap of `phys` on `device` (dma-debug's best
    /// fit: an exact list first, same direction preferred, then prefix/extension).
    /// `ambiguous` is true when several equally good candidates existed.
    public func matchSG(device: String, phys: [UInt64], direction: DMADirection) -> (match: SGMatch, ambiguous: Bool) {
        guard let first = phys.first, let ids = sgByFirstPhys[device]?[first], !ids.isEmpty else { return (.none, false) }
        var exact: [TrackedMapping] = [], partial: [(TrackedMapping, SGMatch)] = []
        for id in ids {
            guard let m = live[id] else { continue }
            switch Self.compare(unmap: phys, mapped: m) {
            case .exact: exact.append(m)
            case .prefix: partial.append((m, .prefix(id)))
            case .extended: partial.append((m, .extended(id)))
            case .none: break
            }
        }
        if !exact.isEmpty {
            let sameDir = exact.filter { $0.direction == direction }
            let pool = sameDir.isEmpty ? exact : sameDir
            return (.exact(pool[0].id), pool.count > 1 && sameDir.isEmpty)
        }
        if let best = partial.first(where: { $0.0.direction == direction }) ?? partial.first {
            return (best.1, partial.count > 1)
        }
        return (.none, false)
    }

    /// How an unmap list relates to one mapping (comparing only the phys the map event showed).
    public static func compare(unmap: [UInt64], mapped m: TrackedMapping) -> SGMatch {
        let k = unmap.count, n = m.nents
        let known = m.phys.count
        if k == n {
            return unmap.prefix(known).elementsEqual(m.phys) ? .exact(m.id) : .none
        }
        if k < n {
            return unmap.prefix(min(k, known)).elementsEqual(m.phys.prefix(min(k, known))) ? .prefix(m.id) : .none
        }
        // k > n: the mapped list must be fully known to compare.
        guard known == n else { return .none }
        return unmap.prefix(n).elementsEqual(m.phys) ? .extended(m.id) : .none
    }

    /// Live single mappings (or allocations, when `coherent`) at `address`: best fit on size, then direction.
    public func matchSingle(device: String, address: UInt64, size: UInt64, direction: DMADirection, coherent: Bool = false) -> TrackedMapping? {
        guard let ids = singleByAddress[device]?[address] else { return nil }
        let candidates = ids.compactMap { live[$0] }.filter { ($0.kind == .coherent) == coherent }
        return candidates.max { score($0, size, direction) < score($1, size, direction) }
    }

    private func score(_ m: TrackedMapping, _ size: UInt64, _ dir: DMADirection) -> Int {
        (m.size == size ? 2 : 0) + (m.direction == dir ? 1 : 0)
    }

    /// The most recently retired sg mapping of `device` with exactly this phys list.
    public func retiredSG(device: String, phys: [UInt64]) -> TrackedMapping? {
        retired.last { $0.kind == .scatterGather && $0.device == device && $0.nents == phys.count && phys.prefix($0.phys.count).elementsEqual($0.phys) }
    }

    /// The most recently retired single mapping (or allocation) of `device` at `address`.
    public func retiredSingle(device: String, address: UInt64, coherent: Bool = false) -> TrackedMapping? {
        retired.last { ($0.kind == .coherent) == coherent && $0.kind != .scatterGather && $0.device == device && $0.outputs.first?.address == address }
    }

    /// Live mappings of `device` with an output range containing `[start, end)`.
    public func liveContaining(device: String, start: UInt64, end: UInt64) -> [TrackedMapping] {
        (outputsByDevice[device]?.containing(start: start, end: end) ?? []).compactMap { live[$0.owner] }
    }

    /// Live mappings of `device` with an output range intersecting `[start, end)`.
    public func liveOverlapping(device: String, start: UInt64, end: UInt64) -> [TrackedMapping] {
        (outputsByDevice[device]?.overlapping(start: start, end: end) ?? []).compactMap { live[$0.owner] }
    }

    /// The most recently retired mapping of `device` with an output containing `[start, end)`.
    public func retiredContaining(device: String, start: UInt64, end: UInt64) -> TrackedMapping? {
        retired.last { $0.device == device && $0.outputRanges.contains { $0.start <= start && $0.end >= end } }
    }

    /// Live IOVA spans of `domain` intersecting `[start, end)`.
    public func liveIOVA(domain: String, start: UInt64, end: UInt64) -> [TrackedMapping] {
        (iovaByDomain[domain]?.overlapping(start: start, end: end) ?? []).compactMap { live[$0.owner] }
    }

    /// Live bus-address ranges of `domain` intersecting `[start, end)`.
    public func liveBus(domain: String, start: UInt64, end: UInt64) -> [TrackedMapping] {
        (busByDomain[domain]?.overlapping(start: start, end: end) ?? []).compactMap { live[$0.owner] }
    }

    /// Live bounce ranges (any device: the pool is shared) intersecting `[start, end)`.
    public func liveBounces(start: UInt64, end: UInt64) -> [TrackedMapping] {
        bounces.overlapping(start: start, end: end).compactMap { live[$0.owner] }
    }

    /// The most recently retired mapping of `domain` whose IOVA span (or, for
    /// untranslated devices of the domain, output range) contains `address`.
    public func retiredIOVA(domain: String, device: String, address: UInt64) -> TrackedMapping? {
        retired.last { m in
            if m.domain == domain, let span = m.iovaSpan { return span.contains(address) }
            return m.device == device && m.outputRanges.contains { $0.contains(address) }
        }
    }

    /// Live mappings, oldest first.
    public var liveInMapOrder: [TrackedMapping] { live.values.sorted { $0.map.sequence < $1.map.sequence } }

    private static func insertOutputs(of m: TrackedMapping, into index: inout LiveRangeIndex) {
        for o in m.outputs where o.length > 0 { index.insert(start: o.address, end: o.address &+ UInt64(o.length), owner: m.id) }
    }

    private static func removeOutputs(of m: TrackedMapping, from index: inout LiveRangeIndex?) {
        guard index != nil else { return }
        for o in m.outputs where o.length > 0 { index!.remove(start: o.address, owner: m.id) }
    }

    private static func removeID(_ id: Int, from table: inout [String: [UInt64: [Int]]], device: String, key: UInt64) {
        guard var ids = table[device]?[key] else { return }
        ids.removeAll { $0 == id }
        table[device]?[key] = ids.isEmpty ? nil : ids
    }
}
