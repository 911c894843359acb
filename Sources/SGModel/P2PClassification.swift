/// What `pci_p2pdma_state` / `pci_p2pdma_map_type` says about one entry's page.
enum PageClass: Sendable, Hashable {
    /// Ordinary memory (or P2P classification not done by this kernel).
    case memory
    /// P2PDMA page reached through a shared switch: `dma = phys + busOffset`.
    case busAddress(busOffset: UInt64)
    /// P2PDMA page reached through the host bridge: mapped like memory.
    case thruHostBridge
    /// P2PDMA page with no usable path.
    case notSupported

    /// True for every P2PDMA page.
    var isP2P: Bool {
        if case .memory = self { return false }
        return true
    }

    /// Classifies the page at `phys` for `device`.
    static func of(_ phys: UInt64, device: DeviceProperties, windows: [P2PWindow]) -> PageClass {
        for w in windows where w.contains(phys) {
            switch device.p2pMapType(forProvider: w.provider) {
            case .busAddress: return .busAddress(busOffset: w.busOffset)
            case .thruHostBridge: return .thruHostBridge
            case .notSupported: return .notSupported
            }
        }
        return .memory
    }
}
