import Testing
@testable import SGIngest

/// libtraceevent's `[FAILED TO PARSE]` fallback (trace-cmd report, perf script):
/// raw field names, `ARRAY[..]` little-endian byte dumps, raw enums and numbers.
@Suite struct RawFieldFormTests {
    let tc = "            bash-3682  [000]   937.603654: "
    let perf = "         kworker  3597/3597  [001]   927.845455: "

    static let physBytes = "ARRAY[00, 40, 23, 01, 00, 00, 00, 00, 00, 52, 23, 01, 00, 00, 00, 00, 00, 00, 00, 07, 00, 00, 00, 00]"

    @Test func cappedMapSGFromTraceCmd() throws {
        let line = tc + "dma_map_sg:           [FAILED TO PARSE] device=0000:01:00.0 full_nents=3 full_ents=2 truncated=0 phys_addrs=\(Self.physBytes) dma_addrs=ARRAY[00, f0, ff, ff, 00, 00, 00, 00, 00, e0, ff, ff, 00, 00, 00, 00] lengths=ARRAY[00, 10, 00, 00, 00, 02, 00, 00] dir=1 attrs=0x2020"
        let e = try IngestFixtures.event(line)
        #expect(e.context == EventContext(comm: "bash", pid: 3682, cpu: 0, timestamp: 937_603_654_000))
        #expect(e.payload == .mapSG(MapSGEvent(
            device: "0000:01:00.0", direction: .toDevice, physAddresses: [0x1234000, 0x1235200, 0x7000000],
            dmaAddresses: [0xfffff000, 0xffffe000], dmaLengths: [0x1000, 0x200], fullNents: 3, fullEnts: 2,
            truncated: false, attributes: [.skipCPUSync, .ccShared])))
    }

    @Test func truncatedFlagAndFullCountsInRawForm() throws {
        let line = tc + "dma_map_sg:           [FAILED TO PARSE] device=0000:01:00.0 full_nents=300 full_ents=2 truncated=1 phys_addrs=\(Self.physBytes) dma_addrs=ARRAY[00, f0, ff, ff, 00, 00, 00, 00, 00, e0, ff, ff, 00, 00, 00, 00] lengths=ARRAY[00, 10, 00, 00, 00, 02, 00, 00] dir=2 attrs=0x0"
        guard case .mapSG(let m) = try IngestFixtures.event(line).payload else { Issue.record("not map_sg"); return }
        #expect(m.truncated && m.fullNents == 300 && m.fullEnts == 2 && m.direction == .fromDevice && m.attributes == [])
    }

    @Test func uncappedMapSGInRawFormHasNoFullCounts() throws {
        let line = tc + "dma_map_sg:           [FAILED TO PARSE] device=0000:01:00.0 phys_addrs=\(Self.physBytes) dma_addrs=ARRAY[00, f0, ff, ff, 00, 00, 00, 00] lengths=ARRAY[00, 32, 00, 00] dir=0 attrs=0x0"
        guard case .mapSG(let m) = try IngestFixtures.event(line).payload else { Issue.record("not map_sg"); return }
        #expect(m.physAddresses.count == 3 && m.fullNents == 3 && m.fullEnts == 1 && !m.truncated)
        #expect(m.dmaLengths == [0x3200] && m.direction == .bidirectional)
    }

    @Test func unmapSGFromPerfUsesFieldNameAddrs() throws {
        let line = perf + "dma:dma_unmap_sg: [FAILED TO PARSE] device=0000:01:00.0 addrs=ARRAY[00, 40, 23, 01, 00, 00, 00, 00, 00, 52, 23, 01, 00, 00, 00, 00] dir=0 attrs=0x0"
        let e = try IngestFixtures.event(line)
        #expect(e.context == EventContext(comm: "kworker", pid: 3597, tgid: 3597, cpu: 1, timestamp: 927_845_455_000))
        #expect(e.payload == .unmapSG(UnmapSGEvent(device: "0000:01:00.0", direction: .bidirectional, physAddresses: [0x1234000, 0x1235200])))
    }

    @Test func allocSGTWithDecimalNumbersAndRawGFP() throws {
        let line = tc + "dma_alloc_sgt:        [FAILED TO PARSE] device=0000:01:00.0 phys_addrs=ARRAY[00, 40, 23, 01, 00, 00, 00, 00] dma_addr=4294836224 size=8192 dir=0 flags=3264 attrs=0x0"
        #expect(try IngestFixtures.event(line).payload == .alloc(AllocEvent(
            kind: .allocSGT, device: "0000:01:00.0", direction: .bidirectional, dmaAddress: 4_294_836_224, size: 8192,
            physAddresses: [0x1234000], gfpFlags: "3264")))
    }

    @Test func syncSGAndMapSGErrorInRawForm() throws {
        let sync = tc + "dma_sync_sg_for_device: [FAILED TO PARSE] device=0000:01:00.0 dma_addrs=ARRAY[00, f0, ff, ff, 00, 00, 00, 00] lengths=ARRAY[00, 10, 00, 00] dir=1"
        #expect(try IngestFixtures.event(sync).payload == .syncSG(SyncSGEvent(
            forDevice: true, device: "0000:01:00.0", direction: .toDevice, dmaAddresses: [0xfffff000], dmaLengths: [0x1000])))
        let err = tc + "dma_map_sg_err:       [FAILED TO PARSE] device=0000:01:00.0 phys_addrs=ARRAY[00, 40, 23, 01, 00, 00, 00, 00] err=-12 dir=1 attrs=0x20"
        #expect(try IngestFixtures.event(err).payload == .mapSGError(MapSGErrorEvent(
            device: "0000:01:00.0", direction: .toDevice, physAddresses: [0x1234000], error: -12, attributes: .skipCPUSync)))
    }

    @Test func libtraceeventKernelIdenticalArraysAndPaddedNames() throws {
        // libtraceevent ≥ 1.8.4 prints the uncapped arrays like the kernel; trace-cmd pads the name.
        let line = tc + "dma_unmap_sg:         0000:01:00.0 dir=FROM_DEVICE phys_addrs={0x123450200,0x800000000} attrs="
        #expect(try IngestFixtures.event(line).payload == .unmapSG(UnmapSGEvent(
            device: "0000:01:00.0", direction: .fromDevice, physAddresses: [0x123450200, 0x800000000])))
        let single = tc + "dma_sync_single_for_device: 0000:01:00.0 dir=TO_DEVICE dma_addr=fffff000 size=4096"
        #expect(try IngestFixtures.event(single).payload == .syncSingle(SyncSingleEvent(
            forDevice: true, device: "0000:01:00.0", direction: .toDevice, dmaAddress: 0xfffff000, size: 4096)))
    }

    @Test func rawIOMMUAndSwiotlbFields() throws {
        let map = tc + "map:                  [FAILED TO PARSE] iova=4294950912 paddr=4886691840 size=4096"
        #expect(try IngestFixtures.event(map).payload == .iommuMap(IOMMUMapEvent(iova: 0xffffc000, physAddress: 0x123450000, size: 4096)))
        let bounce = tc + "swiotlb_bounced:      [FAILED TO PARSE] dev_name=0000:01:00.0 dma_mask=0xffffffff dev_addr=4886692352 size=512 force=1"
        #expect(try IngestFixtures.event(bounce).payload == .swiotlbBounced(SwiotlbBouncedEvent(
            device: "0000:01:00.0", dmaMask: 0xffffffff, originalAddress: 0x123450200, size: 512, mode: "FORCE")))
    }
}
