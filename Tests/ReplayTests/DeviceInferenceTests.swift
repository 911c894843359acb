import Foundation
import SGIngest
import SGModel
import Testing
@testable import SGReplay

@Suite struct DeviceInferenceTests {
    func at(_ payload: EventPayload, cpu: Int32 = 0, pid: Int32 = 100) -> TraceEvent {
        TraceEvent(context: EventContext(comm: "kworker", pid: pid, cpu: cpu, timestamp: 0), payload: payload)
    }

    func mapSG(_ device: String, _ phys: [UInt64], _ dma: [UInt64], _ sizes: [UInt32]) -> EventPayload {
        .mapSG(MapSGEvent(device: device, direction: .toDevice, physAddresses: phys, dmaAddresses: dma, dmaLengths: sizes))
    }

    @Test func iommuMapRunsMarkTranslatedDeviceAndGranule() {
        var inference = DeviceInference()
        inference.observe(at(.iommuGroup(groupID: 7, device: "0000:01:00.0", add: true)))
        inference.observe(at(.iommuMap(IOMMUMapEvent(iova: 0xffff_c000, physAddress: 0x1_2345_0000, size: 0x1000))))
        inference.observe(at(.iommuMap(IOMMUMapEvent(iova: 0xffff_d000, physAddress: 0x8_0000_0000, size: 0x2000))))
        // Same CPU, another task: not attributed.
        inference.observe(at(.iommuMap(IOMMUMapEvent(iova: 0xeeee_0000, physAddress: 0x9000_0000, size: 0x1000)), pid: 5))
        inference.observe(at(mapSG("0000:01:00.0", [0x1_2345_0200, 0x8_0000_0000], [0xffff_c200], [0x2e00])))
        #expect(inference.lastIOMMURuns.count == 2)
        let r = inference.record(for: "0000:01:00.0")
        #expect(r.properties.iommu == .dma)
        #expect(r.properties.iovaGranule == 4096)
        #expect(r.iommuGroup == 7)
        #expect(r.kind == "pci")
        #expect(r.source == .inferred)
        #expect(r.notes.contains { $0.contains("iommu:map") })
        #expect(r.notes.contains("dma_mask_bits >= 32 (highest address seen)"))
        #expect(r.notes.contains("max_segment_size >= 0x2e00 (largest segment seen)"))
    }

    @Test func identicalOutputsMeanDirectAndLimitsAreLowerBounds() {
        var inference = DeviceInference()
        inference.observe(at(mapSG("platform-dev", [0x1_0000_0000, 0x2_0000_0800], [0x1_0000_0000, 0x2_0000_0800], [0x1000, 0x20000])))
        let r = inference.record(for: "platform-dev")
        #expect(r.properties.iommu == IOMMUMode.none)
        #expect(r.kind == "platform")
        #expect(r.properties.maxSegmentSize == 0x20000)
        #expect(DeviceTable.maskBits(r.properties.dmaMask) == 64)
        #expect(r.notes.contains("dma_mask_bits >= 34 (highest address seen)"))
        #expect(inference.lastIOMMURuns.isEmpty)
    }

    @Test func iovaLikeOutputsWithoutRunsMeanTranslated() {
        var inference = DeviceInference()
        // Real-trace shape (6.1, no iommu events): merged output at a top-down IOVA.
        inference.observe(at(mapSG("0000:00:02.0", [0x10f2d_f000, 0x10f2e_4000], [0xfffa_0000], [0x7600])))
        #expect(inference.record(for: "0000:00:02.0").properties.iommu == .dma)
        inference.observe(at(mapSG("0000:00:1f.2", [0x1_0251_2880], [0xfff3_f880], [0x200])))
        #expect(inference.record(for: "0000:00:1f.2").properties.iommu == .dma)
    }

    @Test func constantOffsetMeansDirectWithDmaRange() throws {
        var inference = DeviceInference()
        // dma-ranges: bus address = CPU address − 0x8000_0000.
        inference.observe(at(mapSG("soc-dma", [0x8100_0000, 0x8234_5600], [0x0100_0000, 0x0234_5600], [0x1000, 0x200])))
        #expect(inference.record(for: "soc-dma").properties.iommu == .dma)
        inference.observe(at(mapSG("soc-dma", [0x9000_0000], [0x1000_0000], [0x4000])))
        let r = inference.record(for: "soc-dma")
        #expect(r.properties.iommu == IOMMUMode.none)
        #expect(r.properties.dmaRangeOffset == 0x8000_0000)
        #expect(r.notes.contains { $0.hasPrefix("dma_range_offset 0x80000000") })
        let written = try TopologyFile.load(path: TopologyFileTests.write(inference.topologyFile().json()))
        #expect(written.devices["soc-dma"]?.dmaRangeOffset == 0x8000_0000)
        // IOVAs never keep one offset.
        inference.observe(at(mapSG("soc-dma", [0x9100_0000], [0xffff_f000], [0x1000])))
        #expect(inference.record(for: "soc-dma").properties.iommu == .dma)
    }

    @Test func topologyOverridesInferenceAndSourceSaysSo() throws {
        var overrides = DeviceOverrides()
        overrides.iommu = .identity
        overrides.maxSegmentSize = 0x1_0000
        var inference = DeviceInference(topology: Topology(devices: ["0000:01:00.0": overrides]))
        inference.observe(at(mapSG("0000:01:00.0", [0x1000_0000, 0x2000_0000], [0xffff_0000], [0x2000])))
        let r = inference.record(for: "0000:01:00.0")
        #expect(r.source == .topology)
        #expect(r.properties.iommu == .identity)
        #expect(r.properties.maxSegmentSize == 0x1_0000)
        #expect(r.notes.first == "topology: iommu, max_segment_size")
        #expect(inference.allRecords.map(\.properties.name) == ["0000:01:00.0"])
    }

    @Test func bouncedOutputsOnDirectDeviceGiveAPool() throws {
        var inference = DeviceInference()
        inference.observe(at(mapSG("0000:03:00.0", [0x1_0000_0000], [0x1_0000_0000], [0x1000])))
        inference.observe(at(.swiotlbBounced(SwiotlbBouncedEvent(device: "0000:03:00.0", dmaMask: 0xffff_ffff, originalAddress: 0x1_2345_6a00, size: 0x600, mode: "NORMAL"))))
        inference.observe(at(mapSG("0000:03:00.0", [0x1_2345_6a00], [0x7c00_0a00], [0x600])))
        inference.observe(at(mapSG("0000:03:00.0", [0x1_2345_7000], [0x7c01_0000], [0x1000])))
        let r = inference.record(for: "0000:03:00.0")
        #expect(r.properties.iommu == IOMMUMode.none)
        #expect(r.notes.contains("swiotlb: 1 bounce(s)"))
        let pool = try #require(inference.swiotlbPool)
        #expect(pool.contains(0x7c00_0a00))
        #expect(pool.contains(0x7c01_0fff))
        #expect(pool.start == 0x7c00_0800)
    }

    @Test func busAddressOutputsOnTranslatedDeviceGiveAP2PWindow() {
        var inference = DeviceInference()
        inference.observe(at(mapSG("0000:01:00.0", [0x1_0000_0800, 0x60_0000_1000, 0x2_0000_0000], [0xffff_e800, 0x8000_1000, 0xffff_f000], [0x800, 0x2000, 0x1000])))
        let windows = inference.p2pWindows
        #expect(windows.count == 1)
        #expect(windows.first?.busOffset == 0xffff_ffa0_8000_0000)
        #expect(windows.first?.contains(0x60_0000_1000) == true)
    }

    @Test func devicesJSONIsATopologyFileThatLoadsBack() throws {
        var inference = DeviceInference(topology: Topology(kernelRelease: KernelRelease(6, 1)))
        inference.observe(at(.iommuGroup(groupID: 2, device: "0000:00:02.0", add: true)))
        inference.observe(at(mapSG("0000:00:02.0", [0x10f2d_f000, 0x10f2e_4000], [0xfffa_0000], [0x7600])))
        let text = inference.topologyFile().json()
        let file = try TopologyFileTests.write(text)
        let loaded = try TopologyFile.load(path: file)
        let d = try #require(loaded.devices["0000:00:02.0"])
        #expect(d.iommu == .dma)
        #expect(d.iommuGroup == 2)
        #expect(d.iovaGranule == 4096)
        // Lower bounds are not limits: left out of the file, reported beside it.
        #expect(d.dmaMaskBits == nil)
        #expect(d.maxSegmentSize == nil)
        #expect(inference.lowerBounds == ["0000:00:02.0: dma_mask_bits >= 32, max_segment_size >= 0x7600"])
        #expect(loaded.kernelRelease == KernelRelease(6, 1))
    }

    @Test func tableListsEveryDeviceWithHeader() {
        var inference = DeviceInference()
        inference.observe(at(mapSG("0000:00:1f.2", [0x1_0251_2880], [0xfff3_f880], [0x200])))
        inference.observe(at(mapSG("vpu", [0x1000], [0x1000], [0x200])))
        let lines = DeviceTable.render(inference.allRecords).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("device"))
        #expect(lines[1].hasPrefix("0000:00:1f.2  pci       dma"))
        #expect(lines[2].hasPrefix("vpu           platform  none"))
        #expect(lines[1].contains("inferred"))
    }
}
