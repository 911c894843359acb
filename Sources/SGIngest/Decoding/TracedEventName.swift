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

    /// The event for `name`, or nil for events this tool does not use: a switch on
    /// the length, then the first (and last) eight bytes compared as words; names
    /// longer than 16 bytes are confirmed byte by byte.
    static func lookup(_ name: ByteSpan) -> TracedEventName? {
        let head = name.head8
        switch name.count {
        case 3:
            if head == 0x000000000070616D { return .iommuMap } // map
        case 5:
            if head == 0x00000070616D6E75 { return .iommuUnmap } // unmap
        case 8:
            if head == 0x656572665F616D64 { return .free } // dma_free
        case 9:
            let tail = name.tail8
            if head == 0x6F6C6C615F616D64, tail == 0x636F6C6C615F616D { return .alloc } // dma_alloc
        case 10:
            let tail = name.tail8
            if head == 0x5F70616D5F616D64, tail == 0x67735F70616D5F61 { return .mapSG } // dma_map_sg
        case 12:
            let tail = name.tail8
            if head == 0x616D6E755F616D64, tail == 0x67735F70616D6E75 { return .unmapSG } // dma_unmap_sg
            if head == 0x5F70616D5F616D64, tail == 0x737968705F70616D { return .mapPhys } // dma_map_phys
            if head == 0x5F70616D5F616D64, tail == 0x656761705F70616D { return .mapPage } // dma_map_page
            if head == 0x656572665F616D64, tail == 0x7467735F65657266 { return .freeSGT } // dma_free_sgt
        case 13:
            let tail = name.tail8
            if head == 0x6F6C6C615F616D64, tail == 0x7467735F636F6C6C { return .allocSGT } // dma_alloc_sgt
            if head == 0x5F656761705F6F69, tail == 0x746C7561665F6567 { return .ioPageFault } // io_page_fault
        case 14:
            let tail = name.tail8
            if head == 0x5F70616D5F616D64, tail == 0x7272655F67735F70 { return .mapSGError } // dma_map_sg_err
            if head == 0x616D6E755F616D64, tail == 0x737968705F70616D { return .unmapPhys } // dma_unmap_phys
            if head == 0x616D6E755F616D64, tail == 0x656761705F70616D { return .unmapPage } // dma_unmap_page
            if head == 0x656572665F616D64, tail == 0x73656761705F6565 { return .freePages } // dma_free_pages
        case 15:
            let tail = name.tail8
            if head == 0x6F6C6C615F616D64, tail == 0x73656761705F636F { return .allocPages } // dma_alloc_pages
            if head == 0x5F626C746F697773, tail == 0x6465636E756F625F { return .swiotlbBounced } // swiotlb_bounced
        case 16:
            let tail = name.tail8
            if head == 0x5F70616D5F616D64, tail == 0x656372756F736572 { return .mapResource } // dma_map_resource
        case 17:
            let tail = name.tail8
            if head == 0x6F6C6C615F616D64, tail == 0x7272655F7467735F, name.equals("dma_alloc_sgt_err") { return .allocSGTError } // dma_alloc_sgt_err
        case 18:
            let tail = name.tail8
            if head == 0x616D6E755F616D64, tail == 0x656372756F736572, name.equals("dma_unmap_resource") { return .unmapResource } // dma_unmap_resource
        case 19:
            let tail = name.tail8
            if head == 0x636E79735F616D64, tail == 0x7570635F726F665F, name.equals("dma_sync_sg_for_cpu") { return .syncSGForCPU } // dma_sync_sg_for_cpu
            if head == 0x697665645F646461, tail == 0x70756F72675F6F74, name.equals("add_device_to_group") { return .addDeviceToGroup } // add_device_to_group
        case 22:
            let tail = name.tail8
            if head == 0x636E79735F616D64, tail == 0x6563697665645F72, name.equals("dma_sync_sg_for_device") { return .syncSGForDevice } // dma_sync_sg_for_device
        case 23:
            let tail = name.tail8
            if head == 0x636E79735F616D64, tail == 0x7570635F726F665F, name.equals("dma_sync_single_for_cpu") { return .syncSingleForCPU } // dma_sync_single_for_cpu
            if head == 0x645F686361747461, tail == 0x6E69616D6F645F6F, name.equals("attach_device_to_domain") { return .attachDevice } // attach_device_to_domain
        case 24:
            let tail = name.tail8
            if head == 0x645F65766F6D6572, tail == 0x70756F72675F6D6F, name.equals("remove_device_from_group") { return .removeDeviceFromGroup } // remove_device_from_group
        case 25:
            let tail = name.tail8
            if head == 0x645F686361746564, tail == 0x6E69616D6F645F6D, name.equals("detach_device_from_domain") { return .detachDevice } // detach_device_from_domain
        case 26:
            let tail = name.tail8
            if head == 0x636E79735F616D64, tail == 0x6563697665645F72, name.equals("dma_sync_single_for_device") { return .syncSingleForDevice } // dma_sync_single_for_device
        default:
            break
        }
        return nil
    }
}
