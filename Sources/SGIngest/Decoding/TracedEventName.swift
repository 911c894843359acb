/// The DMA / IOMMU / swiotlb events this tool decodes, by tracepoint name.
enum TracedEventName: CaseIterable {
    case mapSG, mapSGError, unmapSG
    case mapPhys, mapPage, mapResource, unmapPhys, unmapPage, unmapResource
    case syncSingleForCPU, syncSingleForDevice, syncSGForCPU, syncSGForDevice
    case alloc, free, allocPages, freePages, allocSGT, allocSGTError, freeSGT
    case iommuMap, iommuUnmap, ioPageFault
    case attachDevice, detachDevice, addDeviceToGroup, removeDeviceFromGroup
    case swiotlbBounced

    /// The tracepoint name as printed.
    var tracepoint: StaticString {
        switch self {
        case .mapSG: return "dma_map_sg"
        case .mapSGError: return "dma_map_sg_err"
        case .unmapSG: return "dma_unmap_sg"
        case .mapPhys: return "dma_map_phys"
        case .mapPage: return "dma_map_page"
        case .mapResource: return "dma_map_resource"
        case .unmapPhys: return "dma_unmap_phys"
        case .unmapPage: return "dma_unmap_page"
        case .unmapResource: return "dma_unmap_resource"
        case .syncSingleForCPU: return "dma_sync_single_for_cpu"
        case .syncSingleForDevice: return "dma_sync_single_for_device"
        case .syncSGForCPU: return "dma_sync_sg_for_cpu"
        case .syncSGForDevice: return "dma_sync_sg_for_device"
        case .alloc: return "dma_alloc"
        case .free: return "dma_free"
        case .allocPages: return "dma_alloc_pages"
        case .freePages: return "dma_free_pages"
        case .allocSGT: return "dma_alloc_sgt"
        case .allocSGTError: return "dma_alloc_sgt_err"
        case .freeSGT: return "dma_free_sgt"
        case .iommuMap: return "map"
        case .iommuUnmap: return "unmap"
        case .ioPageFault: return "io_page_fault"
        case .attachDevice: return "attach_device_to_domain"
        case .detachDevice: return "detach_device_from_domain"
        case .addDeviceToGroup: return "add_device_to_group"
        case .removeDeviceFromGroup: return "remove_device_from_group"
        case .swiotlbBounced: return "swiotlb_bounced"
        }
    }

    /// False when the line is another subsystem's event of the same name:
    /// perf names the system (`xen:map`), and the generic names `map`/`unmap`
    /// must carry iommu's `IOMMU:` payload (or libtraceevent's raw fallback).
    func belongs(to system: ByteSpan?, payload: ByteSpan) -> Bool {
        if let system {
            switch self {
            case .iommuMap, .iommuUnmap, .ioPageFault, .attachDevice, .detachDevice, .addDeviceToGroup, .removeDeviceFromGroup:
                return system.equals("iommu")
            case .swiotlbBounced:
                return system.equals("swiotlb")
            default:
                return system.equals("dma")
            }
        }
        if self == .iommuMap || self == .iommuUnmap {
            return payload.hasPrefix("IOMMU:") || payload.hasPrefix("[FAILED TO PARSE]")
        }
        return true
    }

    private static let table: [(name: StaticString, kind: TracedEventName)] = allCases.map { ($0.tracepoint, $0) }

    /// The event for `name`, or nil for events this tool does not use.
    static func lookup(_ name: ByteSpan) -> TracedEventName? {
        let first = name.count > 0 ? name[0] : 0
        // Every name starts with d, m, u, i, a, r or s.
        guard first == 0x64 || first == 0x6D || first == 0x75 || first == 0x69
            || first == 0x61 || first == 0x72 || first == 0x73 else { return nil }
        for entry in table where entry.name.utf8CodeUnitCount == name.count && name.equals(entry.name) {
            return entry.kind
        }
        return nil
    }
}
