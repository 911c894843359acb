/// `dma_direct_map_sg`: one output per input, translated, bounced or failed (§3).
struct DirectMapper {
    var device: DeviceProperties
    var behaviour: KernelBehaviour
    var deviations: ModelDeviations
    var context: MapContext

    func map(_ entries: [ScatterEntry]) -> MapOutcome {
        var segments: [DMASegment] = []
        segments.reserveCapacity(entries.count)
        var bounced: [Int] = []
        let p2p = behaviour.p2pInMapSG || deviations.p2pAlwaysInMapSG
        let bouncer = SwiotlbBounce(device: device, behaviour: behaviour, pool: context.swiotlbPool ?? SwiotlbBounce.defaultPool)
        for (i, e) in entries.enumerated() {
            let phys = e.phys
            let kind = p2p ? PageClass.of(e.pagePhys, device: device, windows: context.p2pWindows) : .memory
            switch kind {
            case .notSupported:
                return .failed(.p2pNotSupported(entry: i))
            case .busAddress(let busOffset):
                var address = phys &+ busOffset
                if deviations.p2pOffsetAddedTwice { address &+= UInt64(e.offset) }
                let length: UInt32 = behaviour.directBusLengthZero ? 0 : e.length
                segments.append(DMASegment(address: address, length: length, isBusAddress: true))
            case .thruHostBridge where behaviour.directHostBridgeAddressUnset:
                segments.append(DMASegment(address: 0, length: e.length))
            case .memory, .thruHostBridge:
                guard let (address, didBounce) = mapOne(phys: phys, length: e.length, isP2P: kind.isP2P, index: i, bouncer: bouncer) else {
                    return .failed(.notCapable(entry: i))
                }
                if didBounce { bounced.append(i) }
                segments.append(DMASegment(address: address, length: e.length))
            }
        }
        return .mapped(MapResult(segments: segments, path: .direct, bouncedEntries: bounced))
    }

    /// `dma_direct_map_page` / `_phys`: the DMA address and whether it bounced; nil on failure.
    private func mapOne(phys: UInt64, length: UInt32, isP2P: Bool, index: Int, bouncer: SwiotlbBounce) -> (UInt64, Bool)? {
        if device.swiotlb == .force {
            if isP2P { return nil }
            return bounce(phys: phys, length: length, index: index, bouncer: bouncer)
        }
        let address = phys &- device.dmaRangeOffset
        if Self.capable(address, UInt64(length), limit: device.addressLimit) { return (address, false) }
        if isP2P || device.swiotlb == .none { return nil }
        return bounce(phys: phys, length: length, index: index, bouncer: bouncer)
    }

    private func bounce(phys: UInt64, length: UInt32, index: Int, bouncer: SwiotlbBounce) -> (UInt64, Bool)? {
        guard let slot = bouncer.bounce(orig: phys, size: UInt64(length), allocAlignMask: 0, observed: context.bounceAddresses[index]) else {
            return nil
        }
        let address = slot &- device.dmaRangeOffset
        guard Self.capable(address, UInt64(length), limit: device.addressLimit) else { return nil }
        return (address, true)
    }

    /// `dma_capable`: a zero-length entry at a non-zero address is capable.
    static func capable(_ address: UInt64, _ size: UInt64, limit: UInt64) -> Bool {
        if address == dmaMappingError { return false }
        return address &+ size &- 1 <= limit
    }
}
