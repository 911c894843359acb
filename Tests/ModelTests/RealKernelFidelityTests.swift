import Foundation
import SGModel
import Testing

/// One `dma_map_sg` call of the real 6.1 capture (truth.jsonl).
private struct TruthMapSG: Decodable {
    struct Input: Decodable {
        var page_phys: String
        var offset: UInt32
        var length: UInt32
    }
    struct Output: Decodable {
        var dma_addr: String
        var dma_len: UInt32
    }
    var event: String
    var trace_line: Int
    var device: String
    var src: String
    var max_seg_size: String
    var seg_boundary: String
    var dma_mask: String
    var min_align_mask: String
    var bus_dma_limit: String
    var iommu_domain: String
    var ents: Int
    var `in`: [Input]
    var out: [Output]
}

private func hex(_ s: String) -> UInt64 { UInt64(s.dropFirst(2), radix: 16) ?? .max }

private func loadTruth() throws -> [TruthMapSG] {
    let data = try SharedFiles.xzDecompressed("traces/real-6.1-iommu-lazy/truth.jsonl.xz")
    let decoder = JSONDecoder()
    var calls: [TruthMapSG] = []
    for line in data.split(separator: UInt8(ascii: "\n")) where line.firstRange(of: Data("\"event\":\"dma_map_sg\"".utf8)) != nil {
        calls.append(try decoder.decode(TruthMapSG.self, from: Data(line)))
    }
    return calls
}

@Suite("Real 6.1 dma-iommu capture")
struct RealKernelFidelityTests {
    @Test("every real dma_map_sg call of the 6.1 capture is reproduced exactly")
    func everyCallMatches() throws {
        let calls = try loadTruth()
        #expect(calls.count > 6000)
        let model = ReferenceModel()
        let release = KernelRelease(parsing: "6.1.0-56-amd64")!
        var matched = 0
        var mismatches: [String] = []
        var merged = 0
        var quirkMerges = 0
        var candidateDisagreements = 0
        let pre53 = KernelRelease(5, 2, 0)
        for call in calls {
            let entries = call.in.map { ScatterEntry(pagePhys: hex($0.page_phys), offset: $0.offset, length: $0.length) }
            let device = DeviceProperties(
                name: call.device, iommu: call.iommu_domain == "DMA-FQ" ? .dmaFQ : .dma,
                dmaMask: hex(call.dma_mask), busDMALimit: hex(call.bus_dma_limit),
                maxSegmentSize: UInt32(hex(call.max_seg_size)), segmentBoundaryMask: hex(call.seg_boundary),
                minAlignMask: hex(call.min_align_mask))
            // The single allocation starts a granule below the first output.
            let base = IOVAAllocation.observedBase(firstOutput: hex(call.out[0].dma_addr), firstEntry: entries[0], granule: device.iovaGranule)
            let outcome = model.mapSG(entries, device: device, release: release, context: MapContext(iovaBase: base))
            let expected = call.out.prefix(call.ents).map { DMASegment(address: hex($0.dma_addr), length: $0.dma_len) }
            let context = MapContext(iovaBase: base)
            if case .mapped(let result) = outcome, result.segments == Array(expected) {
                matched += 1
                if result.segments.count < entries.count { merged += 1 }
                // Calls the u32 wrap of the 5.3+ size test decides: the pre-5.3 test differs.
                if model.mapSG(entries, device: device, release: pre53, context: context) != outcome { quirkMerges += 1 }
                for candidate in ModelCatalog.all.dropFirst()
                where candidate.mapSG(entries, device: device, release: release, context: context) != outcome {
                    candidateDisagreements += 1
                }
            } else if mismatches.count < 5 {
                mismatches.append("trace_line \(call.trace_line): expected \(expected), model \(outcome)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
        #expect(matched == calls.count)
        // The capture exercises merging and the max_seg wrap, so matching is not vacuous.
        #expect(merged > 1000)
        #expect(quirkMerges > 50)
        // No P2P pages, zero-length entries or >= 2 GiB segments here: every candidate agrees.
        #expect(candidateDisagreements == 0)
        print("real 6.1 capture: \(matched)/\(calls.count) dma_map_sg calls identical; \(merged) merged; \(quirkMerges) decided by the u32 max_seg wrap")
    }
}
