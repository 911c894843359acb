import Foundation
import SGIngest
import SGModel
import Testing
@testable import SGReplay

/// Real capture (Debian 6.1, dma-iommu lazy): every `dma_map_sg` reconstructed
/// and compared with the recorder's ground truth wherever the reconstruction
/// claims to be exact. Claiming exact wrongly is the failure that matters.
@Suite struct ReconstructionRealTraceTests {
    static let repoRoot = RealCaptureFiles.repoRoot
    static let captureDir = RealCaptureFiles.captureDir

    /// Ground truth of one mapping: its input list.
    struct Truth {
        var device: String
        var inputs: [ScatterEntry]
        /// The device's limits at that moment (the synthetic batches change them).
        var maxSegmentSize: UInt32
        var segmentBoundaryMask: UInt64
        var minAlignMask: UInt64
    }


    @Test func exactReconstructionsMatchGroundTruth() throws {
        let truthLines = try RealCaptureFiles.xzLines(Self.captureDir.appendingPathComponent("truth.jsonl.xz"))
        let topology = try TopologyFile.load(path: Self.repoRoot.appendingPathComponent("traces/real-6.1-iommu-lazy.topology.json").path)

        // trace_line = 1-based index among event lines.
        var truth: [Int: Truth] = [:]
        for line in truthLines where line.contains("\"event\":\"dma_map_sg\"") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let index = try #require(object["trace_line"] as? Int)
            let inputs = try #require(object["in"] as? [[String: Any]]).map { e in
                ScatterEntry(pagePhys: UInt64((e["page_phys"] as! String).dropFirst(2), radix: 16)!, offset: UInt32(e["offset"] as! Int), length: UInt32(e["length"] as! Int))
            }
            truth[index] = Truth(
                device: object["device"] as! String, inputs: inputs,
                maxSegmentSize: UInt32(truncatingIfNeeded: RealCaptureFiles.hexField(object, "max_seg_size")),
                segmentBoundaryMask: RealCaptureFiles.hexField(object, "seg_boundary"), minAlignMask: RealCaptureFiles.hexField(object, "min_align_mask")
            )
        }

        let reconstructor = ListReconstructor(topology: topology)
        var inference = DeviceInference()
        var eventIndex = 0
        var exact = 0, possible = 0, truncated = 0, replayed = 0, wrong: [Int] = [], notReplayed: [Int] = [], differsWithoutTopology = 0
        let accounting = try TraceReader(inputs: [Self.captureDir.appendingPathComponent("trace.txt.xz").path]).read { record in
            guard case .event(let traceEvent) = record.kind else { return }
            eventIndex += 1
            inference.observe(traceEvent)
            guard case .mapSG(let event) = traceEvent.payload else { return }
            guard let expected = truth[eventIndex] else {
                Issue.record("no truth for event \(eventIndex)")
                return
            }
            #expect(expected.device == event.device)
            var device = DeviceProperties(name: event.device)
            topology.devices[event.device]?.apply(to: &device)
            #expect(inference.record(for: event.device).properties.iommu == .dma)
            let r = reconstructor.reconstruct(event, device: device, iommuRuns: inference.lastIOMMURuns)
            // Without the topology file (devices inferred from the trace so far) nothing changes.
            let inferred = ListReconstructor().reconstruct(event, device: inference.record(for: event.device).properties, iommuRuns: inference.lastIOMMURuns)
            if inferred.exact != r.exact || inferred.inputs != r.inputs { differsWithoutTopology += 1 }
            if r.truncated { truncated += 1 }
            if r.exact {
                exact += 1
                if r.inputs != expected.inputs { wrong.append(eventIndex) }
                // Replaying the reconstruction at the implied IOVA base gives the traced outputs back.
                var limits = device
                limits.maxSegmentSize = expected.maxSegmentSize
                limits.segmentBoundaryMask = expected.segmentBoundaryMask
                limits.minAlignMask = expected.minAlignMask
                let replay = ReferenceModel().mapSG(r.inputs, device: limits, release: KernelRelease(6, 1), context: MapContext(iovaBase: r.iovaBase))
                if case .mapped(let result) = replay,
                   result.segments.map(\.address) == event.dmaAddresses, result.segments.map(\.length) == event.dmaLengths {
                    replayed += 1
                } else {
                    notReplayed.append(eventIndex)
                }
            } else {
                possible += 1
                if !r.truncated {
                    // Even a possible reconstruction keeps the phys list and the total length.
                    #expect(r.inputs.map(\.phys) == expected.inputs.map(\.phys))
                    #expect(r.inputs.reduce(0) { $0 + UInt64($1.length) } == expected.inputs.reduce(0) { $0 + UInt64($1.length) })
                }
            }
        }
        #expect(accounting.malformed == 0)
        #expect(differsWithoutTopology == 0)
        print("real-6.1-iommu-lazy: \(exact + possible) dma_map_sg, \(exact) exact (all match truth: \(wrong.isEmpty), \(replayed) replay to the traced outputs), \(possible) possible (\(truncated) truncated)")
        #expect(wrong.isEmpty, "exact but wrong at event lines \(wrong.prefix(20))")
        #expect(notReplayed.isEmpty, "exact reconstructions the reference model does not map back to the trace: \(notReplayed.count), first \(notReplayed.prefix(10))")
        #expect(exact + possible == 6757)
        #expect(exact >= 4200)
    }
}

