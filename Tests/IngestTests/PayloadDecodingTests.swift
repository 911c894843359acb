import Testing
@testable import SGIngest

/// Hand-written lines in real 6.18 `trace` framing, one per event type and
/// layout, with every decoded field checked.
@Suite struct PayloadDecodingTests {
    let p = IngestFixtures.prefix
    let nvme = "0000:01:00.0"

    @Test func contextOfTheHandWrittenPrefix() throws {
        let e = try IngestFixtures.event(p + "dma_sync_single_for_cpu: 0000:01:00.0 dir=FROM_DEVICE dma_addr=fffff000 size=4096")
        #expect(e.context == EventContext(comm: "kworker/2:1H", pid: 231, tgid: nil, cpu: 2, timestamp: 12_345_678_901_000))
        #expect(e.stack.isEmpty)
    }

    @Test func mapSGCapped() throws {
        let e = try IngestFixtures.event(p + "dma_map_sg: 0000:01:00.0 dir=FROM_DEVICE nents=4/4 ents=2/2 dma_addrs={0xffffc200,0xfffff100} sizes={0x2600,0x200} phys_addrs={0x123450200,0x800000000,0x300000000,0x300010100} attrs=")
        #expect(e.payload == .mapSG(MapSGEvent(
            device: nvme, direction: .fromDevice,
            physAddresses: [0x123450200, 0x800000000, 0x300000000, 0x300010100],
            dmaAddresses: [0xffffc200, 0xfffff100], dmaLengths: [0x2600, 0x200],
            fullNents: 4, fullEnts: 2, truncated: false, attributes: [])))
    }

    @Test func mapSGCappedTruncated() throws {
        let phys = (0..<128).map { 0x100000000 + UInt64($0) * 0x1000 }
        let dma = (0..<128).map { 0xf0000000 + UInt64($0) * 0x1000 }
        func list(_ v: [UInt64]) -> String { "{" + v.map { "0x" + String($0, radix: 16) }.joined(separator: ",") + "}" }
        let line = p + "dma_map_sg: 0000:3b:00.0 dir=TO_DEVICE nents=128/300 ents=128/131 [TRUNCATED] dma_addrs=\(list(dma)) sizes=\(list([UInt64](repeating: 0x1000, count: 128))) phys_addrs=\(list(phys)) attrs=SKIP_CPU_SYNC"
        let e = try IngestFixtures.event(line)
        #expect(e.payload == .mapSG(MapSGEvent(
            device: "0000:3b:00.0", direction: .toDevice, physAddresses: phys, dmaAddresses: dma,
            dmaLengths: [UInt32](repeating: 0x1000, count: 128), fullNents: 300, fullEnts: 131, truncated: true,
            attributes: .skipCPUSync)))
    }

    @Test func mapSGUncapped() throws {
        let e = try IngestFixtures.event(p + "dma_map_sg: 0000:01:00.0 dir=BIDIRECTIONAL dma_addrs={0xffffc200,0xfffff100} sizes={0x2600,0x200} phys_addrs={0x123450200,0x800000000,0x300000000} attrs=WEAK_ORDERING|0x8000")
        #expect(e.payload == .mapSG(MapSGEvent(
            device: nvme, direction: .bidirectional, physAddresses: [0x123450200, 0x800000000, 0x300000000],
            dmaAddresses: [0xffffc200, 0xfffff100], dmaLengths: [0x2600, 0x200], fullNents: 3, fullEnts: 2,
            truncated: false, attributes: DMAAttributes(rawValue: 1 << 1 | 0x8000))))
    }

    @Test func mapSGErrorHoldsPhysicalAddressesUnderDMALabel() throws {
        let e = try IngestFixtures.event(p + "dma_map_sg_err: 0000:01:00.0 dir=TO_DEVICE dma_addrs={0x123450200,0x7000} err=-5 attrs=NO_WARN")
        #expect(e.payload == .mapSGError(MapSGErrorEvent(device: nvme, direction: .toDevice, physAddresses: [0x123450200, 0x7000],
                                                         error: -5, attributes: .noWarn)))
    }

    @Test func unmapSG() throws {
        let e = try IngestFixtures.event("          <idle>-0       [002] d.h1. 12345.680002: dma_unmap_sg: 0000:01:00.0 dir=FROM_DEVICE phys_addrs={0x123450200,0x800000000} attrs=SKIP_CPU_SYNC|PRIVILEGED")
        #expect(e.context.comm == "<idle>" && e.context.pid == 0)
        #expect(e.payload == .unmapSG(UnmapSGEvent(device: nvme, direction: .fromDevice, physAddresses: [0x123450200, 0x800000000],
                                                   attributes: [.skipCPUSync, .privileged])))
    }

    @Test func singleMapsOfEveryAPI() throws {
        let cases: [(String, SingleMapAPI)] = [("dma_map_phys", .phys), ("dma_map_page", .page), ("dma_map_resource", .resource)]
        for (name, api) in cases {
            let e = try IngestFixtures.event(p + "\(name): 0000:01:00.0 dir=TO_DEVICE dma_addr=fffff560 size=512 phys_addr=1234560 attrs=MMIO")
            #expect(e.payload == .mapSingle(MapSingleEvent(api: api, device: nvme, direction: .toDevice, physAddress: 0x1234560,
                                                           dmaAddress: 0xfffff560, size: 512, attributes: .mmio)))
        }
        let failed = try IngestFixtures.event(p + "dma_map_phys: 0000:01:00.0 dir=BIDIRECTIONAL dma_addr=ffffffffffffffff size=4096 phys_addr=2a0000000 attrs=")
        #expect(failed.payload == .mapSingle(MapSingleEvent(api: .phys, device: nvme, direction: .bidirectional, physAddress: 0x2a0000000,
                                                            dmaAddress: .max, size: 4096)))
    }

    @Test func singleUnmapsOfEveryAPI() throws {
        let cases: [(String, SingleMapAPI)] = [("dma_unmap_phys", .phys), ("dma_unmap_page", .page), ("dma_unmap_resource", .resource)]
        for (name, api) in cases {
            let e = try IngestFixtures.event(p + "\(name): 0000:01:00.0 dir=TO_DEVICE dma_addr=fffff560 size=512 attrs=SKIP_CPU_SYNC")
            #expect(e.payload == .unmapSingle(UnmapSingleEvent(api: api, device: nvme, direction: .toDevice, dmaAddress: 0xfffff560,
                                                               size: 512, attributes: .skipCPUSync)))
        }
    }

    @Test func syncs() throws {
        let cpu = try IngestFixtures.event(p + "dma_sync_single_for_cpu: 0000:01:00.0 dir=FROM_DEVICE dma_addr=fffff000 size=4096")
        #expect(cpu.payload == .syncSingle(SyncSingleEvent(forDevice: false, device: nvme, direction: .fromDevice, dmaAddress: 0xfffff000, size: 4096)))
        let dev = try IngestFixtures.event(p + "dma_sync_single_for_device: 0000:01:00.0 dir=TO_DEVICE dma_addr=1000 size=64")
        #expect(dev.payload == .syncSingle(SyncSingleEvent(forDevice: true, device: nvme, direction: .toDevice, dmaAddress: 0x1000, size: 64)))
        let sgDev = try IngestFixtures.event(p + "dma_sync_sg_for_device: 0000:01:00.0 dir=TO_DEVICE dma_addrs={0xffffc200,0xfffff100,0xffffffffffffffff,0xffffffffffffffff} sizes={0x2600,0x200,0x0,0x0}")
        #expect(sgDev.payload == .syncSG(SyncSGEvent(forDevice: true, device: nvme, direction: .toDevice,
                                                     dmaAddresses: [0xffffc200, 0xfffff100, .max, .max], dmaLengths: [0x2600, 0x200, 0, 0])))
        let sgCPU = try IngestFixtures.event(p + "dma_sync_sg_for_cpu: 0000:01:00.0 dir=NONE dma_addrs={} sizes={}")
        #expect(sgCPU.payload == .syncSG(SyncSGEvent(forDevice: false, device: nvme, direction: .none, dmaAddresses: [], dmaLengths: [])))
    }

    @Test func allocationsIn612Layout() throws {
        let a = try IngestFixtures.event(p + "dma_alloc: 0000:01:00.0 dma_addr=fffe0000 size=4096 phys_addr=12340000 flags=GFP_KERNEL attrs=")
        #expect(a.payload == .alloc(AllocEvent(kind: .alloc, device: nvme, direction: nil, dmaAddress: 0xfffe0000, size: 4096,
                                               physAddress: 0x12340000, gfpFlags: "GFP_KERNEL")))
        let f = try IngestFixtures.event(p + "dma_free: 0000:01:00.0 dma_addr=fffe0000 size=4096 phys_addr=12340000 attrs=")
        #expect(f.payload == .alloc(AllocEvent(kind: .free, device: nvme, dmaAddress: 0xfffe0000, size: 4096, physAddress: 0x12340000)))
    }

    @Test func allocationsIn613Layout() throws {
        let a = try IngestFixtures.event(p + "dma_alloc: 0000:01:00.0 dir=BIDIRECTIONAL dma_addr=fffe0000 size=4096 virt_addr=00000000a1b2c3d4 flags=GFP_KERNEL|__GFP_ZERO attrs=")
        #expect(a.payload == .alloc(AllocEvent(kind: .alloc, device: nvme, direction: .bidirectional, dmaAddress: 0xfffe0000, size: 4096,
                                               virtualAddress: 0xa1b2c3d4, gfpFlags: "GFP_KERNEL|__GFP_ZERO")))
        let f = try IngestFixtures.event(p + "dma_free: 0000:01:00.0 dir=BIDIRECTIONAL dma_addr=fffe0000 size=4096 virt_addr=00000000a1b2c3d4 attrs=")
        #expect(f.payload == .alloc(AllocEvent(kind: .free, device: nvme, direction: .bidirectional, dmaAddress: 0xfffe0000, size: 4096,
                                               virtualAddress: 0xa1b2c3d4)))
        let ap = try IngestFixtures.event(p + "dma_alloc_pages: 0000:01:00.0 dir=TO_DEVICE dma_addr=0 size=8192 virt_addr=ffff888012340000 flags=none attrs=")
        #expect(ap.payload == .alloc(AllocEvent(kind: .allocPages, device: nvme, direction: .toDevice, dmaAddress: 0, size: 8192,
                                                virtualAddress: 0xffff888012340000, gfpFlags: "none")))
        let fp = try IngestFixtures.event(p + "dma_free_pages: 0000:01:00.0 dir=TO_DEVICE dma_addr=fffd0000 size=8192 virt_addr=ffff888012340000 attrs=")
        #expect(fp.payload == .alloc(AllocEvent(kind: .freePages, device: nvme, direction: .toDevice, dmaAddress: 0xfffd0000, size: 8192,
                                                virtualAddress: 0xffff888012340000)))
        let sgt = try IngestFixtures.event(p + "dma_alloc_sgt: 0000:01:00.0 dir=FROM_DEVICE dma_addr=fffe0000 size=8192 phys_addrs={0x1234000,0x5678000} flags=GFP_KERNEL attrs=")
        #expect(sgt.payload == .alloc(AllocEvent(kind: .allocSGT, device: nvme, direction: .fromDevice, dmaAddress: 0xfffe0000, size: 8192,
                                                 physAddresses: [0x1234000, 0x5678000], gfpFlags: "GFP_KERNEL")))
        let sgtErr = try IngestFixtures.event(p + "dma_alloc_sgt_err: 0000:01:00.0 dir=FROM_DEVICE dma_addr=0 size=8192 virt_addr=0000000000000000 flags=GFP_KERNEL attrs=")
        #expect(sgtErr.payload == .alloc(AllocEvent(kind: .allocSGTError, device: nvme, direction: .fromDevice, dmaAddress: 0, size: 8192,
                                                    virtualAddress: 0, gfpFlags: "GFP_KERNEL")))
        let freeSGT = try IngestFixtures.event(p + "dma_free_sgt: 0000:01:00.0 dir=FROM_DEVICE dma_addr=fffe0000 size=8192 phys_addrs={0x1234000,0x5678000}")
        #expect(freeSGT.payload == .alloc(AllocEvent(kind: .freeSGT, device: nvme, direction: .fromDevice, dmaAddress: 0xfffe0000, size: 8192,
                                                     physAddresses: [0x1234000, 0x5678000])))
    }

    @Test func iommuMapAndUnmapInBothForms() throws {
        let map517 = try IngestFixtures.event(p + "map: IOMMU: iova=0x00000000ffffc000 - 0x00000000ffffd000 paddr=0x0000000123450000 size=4096")
        let map516 = try IngestFixtures.event(p + "map: IOMMU: iova=0x00000000ffffc000 paddr=0x0000000123450000 size=4096")
        let expectedMap = EventPayload.iommuMap(IOMMUMapEvent(iova: 0xffffc000, physAddress: 0x123450000, size: 4096))
        #expect(map517.payload == expectedMap)
        #expect(map516.payload == expectedMap)
        let unmap517 = try IngestFixtures.event(p + "unmap: IOMMU: iova=0x00000000ffffc000 - 0x0000000100000000 size=16384 unmapped_size=8192")
        let unmap516 = try IngestFixtures.event(p + "unmap: IOMMU: iova=0x00000000ffffc000 size=16384 unmapped_size=8192")
        let expectedUnmap = EventPayload.iommuUnmap(IOMMUUnmapEvent(iova: 0xffffc000, size: 16384, unmappedSize: 8192))
        #expect(unmap517.payload == expectedUnmap)
        #expect(unmap516.payload == expectedUnmap)
    }

    @Test func iommuFaultGroupsAndDomains() throws {
        let fault = try IngestFixtures.event(p + "io_page_fault: IOMMU:nvme 0000:01:00.0 iova=0x00000000ffffd040 flags=0x0001")
        #expect(fault.payload == .iommuFault(IOMMUFaultEvent(driver: "nvme", device: nvme, iova: 0xffffd040, flags: 1)))
        #expect(try IngestFixtures.event(p + "attach_device_to_domain: IOMMU: device=0000:01:00.0").payload == .iommuAttach(device: nvme, attach: true))
        #expect(try IngestFixtures.event(p + "detach_device_from_domain: IOMMU: device=0000:01:00.0").payload == .iommuAttach(device: nvme, attach: false))
        #expect(try IngestFixtures.event(p + "add_device_to_group: IOMMU: groupID=12 device=0000:01:00.0").payload == .iommuGroup(groupID: 12, device: nvme, add: true))
        #expect(try IngestFixtures.event(p + "remove_device_from_group: IOMMU: groupID=12 device=0000:01:00.0").payload == .iommuGroup(groupID: 12, device: nvme, add: false))
    }

    @Test func swiotlbBounced() throws {
        for mode in ["NORMAL", "FORCE", "NO_FORCE"] {
            let e = try IngestFixtures.event(p + "swiotlb_bounced: dev_name: 0000:01:00.0 dma_mask=ffffffff dev_addr=123450200 size=4096 \(mode)")
            #expect(e.payload == .swiotlbBounced(SwiotlbBouncedEvent(device: nvme, dmaMask: 0xffffffff, originalAddress: 0x123450200,
                                                                     size: 4096, mode: mode)))
        }
    }

    @Test func attributeFlagsInTableOrderWithLeftoverBits() throws {
        let all = "WEAK_ORDERING|WRITE_COMBINE|NO_KERNEL_MAPPING|SKIP_CPU_SYNC|FORCE_CONTIGUOUS|ALLOC_SINGLE_PAGES|NO_WARN|PRIVILEGED|MMIO|CACHE_CLEAN|REQUIRE_COHERENT|CC_SHARED|ALLOC_CC_SHARED|0x10000"
        let e = try IngestFixtures.event(p + "dma_unmap_phys: 0000:01:00.0 dir=TO_DEVICE dma_addr=1000 size=8 attrs=\(all)")
        guard case .unmapSingle(let u) = e.payload else { Issue.record("wrong payload"); return }
        #expect(u.attributes.rawValue == 0b111_1111_1111_0110 | 0x10000)
        let hexOnly = try IngestFixtures.event(p + "dma_unmap_phys: 0000:01:00.0 dir=TO_DEVICE dma_addr=1000 size=8 attrs=0x800")
        guard case .unmapSingle(let h) = hexOnly.payload else { Issue.record("wrong payload"); return }
        #expect(h.attributes == .cacheClean)
    }

    @Test func contextOffAndOtherPrefixes() throws {
        let bare = try IngestFixtures.event("dma_unmap_phys: 0000:01:00.0 dir=TO_DEVICE dma_addr=fffff560 size=512 attrs=")
        #expect(bare.context.comm == "<...>" && bare.context.pid == -1 && bare.context.cpu == -1)
        let spaced = try IngestFixtures.event("   my worker-thr-77      [003] d.h1.   100.000001: dma_unmap_phys: 0000:01:00.0 dir=TO_DEVICE dma_addr=1 size=2 attrs=")
        #expect(spaced.context.comm == "my worker-thr" && spaced.context.pid == 77 && spaced.context.timestamp == 100_000_001_000)
        let unknown = try IngestFixtures.event("           <...>-4242    [000] ..... 123456.123456: dma_unmap_phys: 0000:01:00.0 dir=TO_DEVICE dma_addr=1 size=2 attrs=")
        #expect(unknown.context.comm == "<...>" && unknown.context.pid == 4242)
        let column1 = try IngestFixtures.event("memfd:sealed-91-1700    [000] d..2.   917.208617: dma_unmap_phys: 0000:01:00.0 dir=TO_DEVICE dma_addr=1 size=2 attrs=")
        #expect(column1.context.comm == "memfd:sealed-91" && column1.context.pid == 1700 && column1.context.cpu == 0)
        let tcLatency = try IngestFixtures.event("    bash-3682    0d..2.   937.603654: dma_unmap_phys:       0000:01:00.0 dir=TO_DEVICE dma_addr=1 size=2 attrs=")
        #expect(tcLatency.context == EventContext(comm: "bash", pid: 3682, cpu: 0, timestamp: 937_603_654_000))
        let instance = try IngestFixtures.event("       trace-nvme.dat:             bash-3682  [001]   937.603654: dma_unmap_phys:       0000:01:00.0 dir=TO_DEVICE dma_addr=1 size=2 attrs=")
        #expect(instance.context == EventContext(comm: "bash", pid: 3682, cpu: 1, timestamp: 937_603_654_000, instance: "trace-nvme.dat"))
        let nanos = try IngestFixtures.event("           bash-1  [000]   937.603654123: dma_unmap_phys: 0000:01:00.0 dir=TO_DEVICE dma_addr=1 size=2 attrs=")
        #expect(nanos.context.timestamp == 937_603_654_123)
    }
}
