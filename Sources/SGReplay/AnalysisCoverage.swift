import SGIngest
import SGModel

/// What a run could and could not look at, so that a clean result is never a
/// silent pass: how many `dma:*` events there were, how the trace's devices and
/// the topology file's devices line up, and per device which limit checks ran.
public struct AnalysisCoverage: Sendable, Hashable {
    /// `dma:*` events decoded (maps, unmaps, syncs, allocs; not `iommu:*` or `swiotlb:*`), per input file in order.
    public var dmaEventsPerFile: [Int]
    /// Devices named by the trace's events, sorted.
    public var traceDevices: [String]
    /// Devices the topology describes (its `devices` object), sorted; empty without a topology.
    public var topologyDevices: [String]
    /// Path of the topology file the caller loaded, when there was one (set by the caller).
    public var topologyFile: String?
    /// Per trace device (sorted by name), which limit checks could run.
    public var limitChecks: [DeviceLimitChecks]

    public init(dmaEventsPerFile: [Int] = [], traceDevices: [String] = [], topologyDevices: [String] = [],
                topologyFile: String? = nil, limitChecks: [DeviceLimitChecks] = []) {
        self.dmaEventsPerFile = dmaEventsPerFile
        self.traceDevices = traceDevices
        self.topologyDevices = topologyDevices
        self.topologyFile = topologyFile
        self.limitChecks = limitChecks
    }

    /// Derives the device lists and limit checks from what the trace named and the topology gave.
    public init(dmaEventsPerFile: [Int], traceDevices: Set<String>, topology: Topology) {
        let devices = traceDevices.sorted()
        self.init(dmaEventsPerFile: dmaEventsPerFile, traceDevices: devices, topologyDevices: topology.devices.keys.sorted(),
                  limitChecks: devices.map { DeviceLimitChecks(device: $0, topology: topology) })
    }

    /// All `dma:*` events of the run.
    public var dmaEvents: Int { dmaEventsPerFile.reduce(0, +) }

    /// Topology devices no event of the trace names (a misspelt name, or the wrong topology file).
    public var unusedTopologyDevices: [String] {
        let seen = Set(traceDevices)
        return topologyDevices.filter { !seen.contains($0) }
    }

    /// Trace devices the topology has no entry for (every device when there is no topology).
    public var devicesWithoutTopology: [String] {
        let described = Set(topologyDevices)
        return traceDevices.filter { !described.contains($0) }
    }

    /// True when `payload` is a `dma:*` tracepoint (the DMA API's own events).
    public static func isDMAEvent(_ payload: EventPayload) -> Bool {
        switch payload {
        case .mapSG, .mapSGError, .unmapSG, .mapSingle, .unmapSingle, .syncSingle, .syncSG, .alloc: return true
        case .iommuMap, .iommuUnmap, .iommuFault, .iommuAttach, .iommuGroup, .swiotlbBounced: return false
        }
    }
}

/// Which of the device-limit checks (`max-segment-size`, `segment-boundary`,
/// `dma-mask`) could run for one device: only limits from the topology make
/// them definite; limits inferred from the trace are lower bounds that what
/// taught them can never exceed.
public struct DeviceLimitChecks: Sendable, Hashable {
    public var device: String
    /// Checks that ran against a limit from the topology.
    public var checked: [FindingKind]
    /// Checks that ran against a kernel default only (findings at most `possible`).
    public var possibleOnly: [FindingKind]
    /// Checks that could not run.
    public var notChecked: [FindingKind]
    /// Whether the topology has an entry for the device at all.
    public var inTopology: Bool

    public init(device: String, checked: [FindingKind], possibleOnly: [FindingKind], notChecked: [FindingKind], inTopology: Bool) {
        self.device = device
        self.checked = checked
        self.possibleOnly = possibleOnly
        self.notChecked = notChecked
        self.inTopology = inTopology
    }

    /// The checks' gating as the checks apply it (``KnownParameters``; the PCI
    /// default boundary for PCI names); run-time limit changes are in the device notes.
    public init(device: String, topology: Topology) {
        let overrides = topology.devices[device]
        let known = KnownParameters(overrides, topology: topology)
        let isPCI = DeviceNameShape.hasPCIParts(device)
        var checked: [FindingKind] = [], possible: [FindingKind] = [], not: [FindingKind] = []
        if known.maxSegmentSize { checked.append(.maxSegmentSize) } else { not.append(.maxSegmentSize) }
        if known.segmentBoundary {
            checked.append(.segmentBoundary)
        } else if isPCI {
            possible.append(.segmentBoundary)
        } else {
            not.append(.segmentBoundary)
        }
        if known.dmaMask { checked.append(.dmaMask) } else { not.append(.dmaMask) }
        self.init(device: device, checked: checked, possibleOnly: possible, notChecked: not, inTopology: overrides != nil)
    }

    /// True when every limit check ran against a topology value.
    public var complete: Bool { possibleOnly.isEmpty && notChecked.isEmpty }

    /// Why limits are missing: no topology entry, or fields missing from it.
    public var reason: String {
        inTopology ? "not in its topology entry" : "no topology limits (inferred ones are lower bounds)"
    }

    /// One short line, e.g. `0000:00:1f.2: max-segment-size, dma-mask not checked; segment-boundary only
    /// against the PCI default 0xffffffff (possible): no topology limits (inferred ones are lower bounds)`;
    /// nil when every check ran.
    public var summary: String? {
        guard !complete else { return nil }
        var parts: [String] = []
        if !notChecked.isEmpty { parts.append(notChecked.map(\.rawValue).joined(separator: ", ") + " not checked") }
        if !possibleOnly.isEmpty {
            parts.append(possibleOnly.map(\.rawValue).joined(separator: ", ") + " only against the PCI default 0xffffffff (possible)")
        }
        return "\(device): \(parts.joined(separator: "; ")): \(reason)"
    }

    /// The device note (`devices` in summary.json, the HTML report).
    public var note: String? {
        summary.map { _ in
            var parts: [String] = []
            if !checked.isEmpty { parts.append("checked " + checked.map(\.rawValue).joined(separator: ", ")) }
            if !possibleOnly.isEmpty { parts.append(possibleOnly.map(\.rawValue).joined(separator: ", ") + " only against the PCI default (possible)") }
            if !notChecked.isEmpty { parts.append("not checked " + notChecked.map(\.rawValue).joined(separator: ", ")) }
            return "limit checks: " + parts.joined(separator: "; ") + ": \(reason)"
        }
    }
}
