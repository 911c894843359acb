import Foundation
import SGIngest
import SGModel
import SGReplay
import SGTestSupport

/// Realistic ``AnalysisResult`` values for the report tests: an NVMe device behind
/// an IOMMU with a double offset, a zero-length segment, overlaps and call sites;
/// a dma-direct NIC; input accounting with lost events and malformed lines.
enum AnalysisFixture {
    static let trace = "traces/nvme-p2p-6.18.txt"
    static let nvme = "0000:01:00.0"
    static let nic = "0000:03:00.0"

    /// The three-entry double offset: inputs 0x1_2345_6200+0x1e00, 0x1_2345_8000+0x1000, 0x1_2345_9000+0x800
    /// merge into one IOVA segment; the trace shows it 0x200 too far.
    static var doubleOffset: Finding {
        Finding(
            id: "F000001", kind: .doubleOffset, severity: .error, confidence: .definite, device: nvme, time: 12.000345,
            file: trace, line: 41, event: "dma_map_sg",
            detail: "sg offset 0x200 added twice (observed - expected = 0x200)",
            expected: "0xfffc0200", observed: "0xfffc0400", symbol: "nvme_map_data+0x1b4", source: "drivers/nvme/host/pci.c:812",
            evidence: FindingEvidence(
                inputs: [ScatterEntry(phys: 0x1_2345_6200, length: 0x1e00), ScatterEntry(phys: 0x1_2345_8000, length: 0x1000),
                         ScatterEntry(phys: 0x1_2345_9000, length: 0x800)],
                expected: [DMASegment(address: 0xfffc_0200, length: 0x3600)],
                observed: [DMASegment(address: 0xfffc_0400, length: 0x3600)],
                offendingObserved: [0]))
    }

    static var findings: [Finding] {
        [
            doubleOffset,
            Finding(id: "F000002", kind: .doubleOffset, severity: .error, confidence: .definite, device: nvme, time: 12.5,
                    file: trace, line: 77, event: "dma_map_sg", detail: "P2P bus address carries offset 0x80 twice",
                    expected: "0xf000001080", observed: "0xf000001100", symbol: "nvme_map_data+0x1b4",
                    source: "drivers/nvme/host/pci.c:812",
                    evidence: FindingEvidence(
                        inputs: [ScatterEntry(phys: 0xf0_0000_1080, length: 0x1f80), ScatterEntry(phys: 0x1_4000_0000, length: 0x1000)],
                        expected: [DMASegment(address: 0xf0_0000_1080, length: 0x1f80, isBusAddress: true), DMASegment(address: 0xfffb_0000, length: 0x1000)],
                        observed: [DMASegment(address: 0xf0_0000_1100, length: 0x1f80, isBusAddress: true), DMASegment(address: 0xfffb_0000, length: 0x1000)],
                        offendingObserved: [0])),
            Finding(id: "F000003", kind: .zeroLength, severity: .warning, confidence: .definite, device: nvme, time: 13.25,
                    file: trace, line: 102, event: "dma_map_sg", detail: "output 1 has length 0 (zero-length input entry 1)",
                    expected: "", observed: "0xfffa1000+0x0", symbol: "blk_rq_map_sg+0x2a", source: "block/blk-merge.c:560",
                    evidence: FindingEvidence(
                        inputs: [ScatterEntry(phys: 0x2_0000_0000, length: 0x1000), ScatterEntry(phys: 0x2_0000_3000, length: 0),
                                 ScatterEntry(phys: 0x2_0000_5000, length: 0x2000)],
                        observed: [DMASegment(address: 0xfffa_0000, length: 0x1000), DMASegment(address: 0xfffa_1000, length: 0),
                                   DMASegment(address: 0xfffa_1000, length: 0x2000)],
                        offendingObserved: [1])),
            Finding(id: "F000004", kind: .overlapInList, severity: .error, confidence: .definite, device: nvme, time: 14.0,
                    file: trace, line: 150, event: "dma_map_sg", detail: "outputs 0 and 1 share 0xfff81000..0xfff82000",
                    expected: "", observed: "0xfff80000+0x2000,0xfff81000+0x1000",
                    evidence: FindingEvidence(
                        observed: [DMASegment(address: 0xfff8_0000, length: 0x2000), DMASegment(address: 0xfff8_1000, length: 0x1000)],
                        offendingObserved: [1])),
            Finding(id: "F000005", kind: .overlapLive, severity: .error, confidence: .possible, device: nvme, time: 15.0,
                    file: trace, line: 188, event: "dma_map_sg", detail: "overlaps the live mapping of line 120 (lost events before it)",
                    expected: "", observed: "0xfff70000+0x4000",
                    evidence: FindingEvidence(
                        observed: [DMASegment(address: 0xfff7_0000, length: 0x4000)], offendingObserved: [0],
                        relatedRanges: [AddressRange(start: 0xfff7_2000, length: 0x3000, label: "live, line 120")])),
            Finding(id: "F000006", kind: .unmapDirMismatch, severity: .error, confidence: .definite, device: nic, time: 16.0,
                    file: trace, line: 240, event: "dma_unmap_sg", detail: "mapped FROM_DEVICE at line 230, unmapped TO_DEVICE",
                    expected: "FROM_DEVICE", observed: "TO_DEVICE", symbol: "e1000_clean_rx_irq+0x88"),
            Finding(id: "F000007", kind: .leak, severity: .warning, confidence: .possible, device: nic, time: 17.0,
                    file: trace, line: 260, event: "dma_map_sg", detail: "still mapped at end of trace, \"rx ring\", slot 3",
                    expected: "", observed: "0x7c001000+0x800"),
            Finding(id: "F000008", kind: .mapError, severity: .info, confidence: .definite, device: nic, time: 18.0,
                    file: trace, line: 300, event: "dma_map_sg_err", detail: "err=-12,\nENOMEM", expected: "", observed: "err=-12"),
        ]
    }

    static var input: InputAccounting {
        var i = InputAccounting()
        i.files = [trace]
        i.lines = 1000
        i.eventsUsed = 600
        i.eventsOther = 250
        i.headerLines = 100
        i.stackLines = 45
        i.malformed = 5
        i.lostEvents = 12
        i.lostMarkers = 1
        i.malformedLines = (0..<5).map { MalformedLine(file: trace, line: 500 + $0, reason: "unparsable field \"nents=x\", line \($0)") }
        return i
    }

    static var devices: [DeviceRecord] {
        [
            DeviceRecord(properties: DeviceProperties(name: nvme, iommu: .dma, dmaMask: (1 << 48) - 1, maxSegmentSize: 0xffff_ffff),
                         kind: "pci", source: .topology, iommuGroup: 12),
            DeviceRecord(properties: DeviceProperties(name: nic, iommu: .none, dmaMask: 0xffff_ffff), kind: "pci", source: .inferred,
                         notes: ["max_segment_size >= 0x800 (largest seen)"]),
        ]
    }

    /// Mappings over ~10 s: IOVA for the NVMe (top-down, one overlap), phys for the NIC.
    static var mappings: [MappingRecord] {
        var out: [MappingRecord] = []
        for k in 0..<240 {
            let t = 10.0 + Double(k) * 0.04
            let live = k % 37 == 0
            let nents = [1, 2, 3, 4, 8, 16, 32][k % 7]
            let total = UInt64(nents) * 0x1000
            out.append(MappingRecord(mapFile: trace, mapLine: 10 + k * 4, unmapLine: live ? nil : 12 + k * 4, device: nvme,
                                     direction: k % 2 == 0 ? "FROM_DEVICE" : "TO_DEVICE", nents: nents, ents: max(1, nents / 2),
                                     firstDMA: live ? 0xffc0_0000 + UInt64(k / 37) * 0x1_0000 : 0xffff_0000 - UInt64(k % 24) * 0x2_0000,
                                     totalLength: total, timeMap: t,
                                     timeUnmap: live ? nil : t + 0.3 + Double(k % 5) * 0.05, exact: k % 11 != 0,
                                     outputs: (0..<max(1, nents / 2)).map { j in
                                         DMASegment(address: 0xffff_0000 + UInt64(j) * 0x2000, length: UInt32(1 + (j + k) % 4) * 0x800)
                                     }))
        }
        // The pair behind F000005: line 120 still live when line 188 maps over it.
        out.append(MappingRecord(mapFile: trace, mapLine: 120, unmapLine: 230, device: nvme, direction: "FROM_DEVICE", nents: 3, ents: 1,
                                 firstDMA: 0xfff7_2000, totalLength: 0x3000, timeMap: 14.8, timeUnmap: 15.6, exact: true))
        out.append(MappingRecord(mapFile: trace, mapLine: 188, unmapLine: 200, device: nvme, direction: "TO_DEVICE", nents: 4, ents: 1,
                                 firstDMA: 0xfff7_0000, totalLength: 0x4000, timeMap: 15.0, timeUnmap: 15.4, exact: true))
        for k in 0..<60 {
            let t = 10.0 + Double(k) * 0.15
            out.append(MappingRecord(mapFile: trace, mapLine: 2000 + k * 3, unmapLine: k == 59 ? nil : 2001 + k * 3, device: nic,
                                     direction: "FROM_DEVICE", nents: 1, ents: 1, firstDMA: 0x7c00_0000 + UInt64(k % 8) * 0x800,
                                     totalLength: 0x800, timeMap: t, timeUnmap: k == 59 ? nil : t + 0.1, exact: true))
        }
        return out
    }

    static var sample: AnalysisResult {
        var r = AnalysisResult(traces: [trace], input: input, kernel: KernelRelease(6, 18, 0), model: "reference 6.18",
                               modelReason: "topology kernel.release 6.18.0", devices: devices, mappings: mappings,
                               findings: findings, suppressedByLostEvents: 1, downgradedByLostEvents: 2,
                               timings: ["ingest": 0.125, "replay": 0.5, "reports": 0.03])
        r.kindExplanations[.leak] = "Still mapped at the end of the trace (checks' wording)."
        return r
    }

    /// A result whose trace text is hostile: markup, quotes, commas, newlines.
    static var hostile: AnalysisResult {
        var r = sample
        let evil = "<script>alert(1)</script>"
        r.devices.append(DeviceRecord(properties: DeviceProperties(name: evil), kind: "platform", source: .inferred, notes: [evil]))
        r.findings.append(Finding(id: "F000009", kind: .modelMismatch, severity: .error, confidence: .definite, device: evil,
                                  time: 19, file: "traces/a \"b\", c.txt", line: 9, event: "dma_map_sg",
                                  detail: "x\" onmouseover=\"alert(2)\" <img src=x>, \"quoted\"\r\nline2", expected: "a,b",
                                  observed: "</td></tr><script>alert(3)</script>", symbol: evil, source: "drivers/evil.c:7",
                                  evidence: FindingEvidence(observed: [DMASegment(address: 0x1000, length: 0x1000)], offendingObserved: [0],
                                                            relatedRanges: [AddressRange(start: 0x1800, length: 0x100, label: evil)])))
        r.mappings.append(MappingRecord(mapFile: trace, mapLine: 9, device: evil, direction: "BIDIRECTIONAL", nents: 1, ents: 1,
                                        firstDMA: 0x1000, totalLength: 0x1000, timeMap: 19, exact: true))
        r.input.malformedLines.append(MalformedLine(file: trace, line: 7, reason: evil))
        r.model = evil
        return r
    }

    /// A big result: `mappings` mappings over 8 devices and `findings` findings of every kind.
    static func large(mappings mappingCount: Int, findings findingCount: Int) -> AnalysisResult {
        var r = sample
        let devices = (0..<8).map { String(format: "0000:%02x:00.0", $0 + 0x10) }
        r.devices = devices.map { DeviceRecord(properties: DeviceProperties(name: $0, iommu: .dma), kind: "pci", source: .inferred) }
        r.mappings = (0..<mappingCount).map { k in
            let t = Double(k) * 1e-5
            return MappingRecord(mapFile: trace, mapLine: k * 2 + 1, unmapLine: k * 2 + 2, device: devices[k % 8], direction: "TO_DEVICE",
                                 nents: 1 + k % 64, ents: 1 + k % 32, firstDMA: 0xffff_f000 - UInt64(k % 4096) * 0x1000,
                                 totalLength: UInt64(1 + k % 16) * 0x1000, timeMap: t, timeUnmap: t + 5e-4, exact: true,
                                 outputs: [DMASegment(address: 0xffff_f000 - UInt64(k % 4096) * 0x1000, length: UInt32(1 + k % 16) * 0x1000)])
        }
        let base = doubleOffset
        r.findings = (0..<findingCount).map { k in
            var f = base
            f.id = String(format: "F%06d", k + 1)
            f.kind = FindingKind.allCases[k % FindingKind.allCases.count]
            f.line = k + 1
            f.device = devices[k % 8]
            f.time = Double(k) * 1e-5
            return f
        }
        r.input.lines = mappingCount * 4
        r.input.eventsUsed = mappingCount * 2
        r.input.eventsOther = r.input.lines - r.input.eventsUsed - r.input.headerLines - r.input.stackLines - r.input.malformed
        return r
    }

    static func temporaryDirectory(_ name: String) throws -> URL {
        let url = try TestFiles.temporaryDirectory(prefix: "sgreports-\(name)")
        return url
    }
}
