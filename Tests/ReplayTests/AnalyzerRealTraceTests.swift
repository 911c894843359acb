import Foundation
import SGIngest
import SGModel
import Testing
@testable import SGReplay

/// The Analyzer on the real Debian 6.1 capture: every `error` finding must be
/// supported by the recorder's ground truth, and the driver's own I/O
/// (`src: drv`) must give no error at all.
@Suite struct AnalyzerRealTraceTests {
    static let repoRoot = RealCaptureFiles.repoRoot
    static let captureDir = RealCaptureFiles.captureDir

    /// Truth of one event: its source, limits at that moment and full outputs.
    struct Truth {
        var source: String
        var event: String
        var maxSegmentSize: UInt64
        var segmentBoundary: UInt64
        var outputs: [(UInt64, UInt64)]
    }

    static func truth() throws -> [Int: Truth] {
        var result: [Int: Truth] = [:]
        for line in try RealCaptureFiles.xzLines(captureDir.appendingPathComponent("truth.jsonl.xz")) {
            guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let index = o["trace_line"] as? Int else { continue }
            let outs = ((o["out"] as? [[String: Any]]) ?? []).map { e -> (UInt64, UInt64) in
                (RealCaptureFiles.hexField(e, "dma_addr"), UInt64((e["dma_len"] as? Int) ?? 0))
            }
            result[index] = Truth(source: o["src"] as? String ?? "", event: o["event"] as? String ?? "", maxSegmentSize: RealCaptureFiles.hexField(o, "max_seg_size"), segmentBoundary: RealCaptureFiles.hexField(o, "seg_boundary"), outputs: outs)
        }
        return result
    }

    /// Topology derived from the capture's topology.txt: kernel 6.1, both devices DMA-FQ with
    /// granule 4096, no max_seg_size / seg_boundary (the synthetic batches change them).
    @Test func everyErrorIsSupportedByTruth() throws {
        let topology = try TopologyFile.load(path: Self.repoRoot.appendingPathComponent("traces/real-6.1-iommu-lazy.checks.topology.json").path)
        let trace = Self.captureDir.appendingPathComponent("trace.txt.xz").path
        let result = try Analyzer(AnalyzerOptions(traces: [trace], topology: topology)).run()
        #expect(result.kernel == KernelRelease(6, 1, 0))
        #expect(result.modelReason.contains("topology"))
        #expect(result.input.reconciles)
        #expect(result.mappings.count == 6757 + 14193)
        #expect(result.mappings.allSatisfy { $0.unmapLine != nil } || result.findings.contains { $0.kind == .leak })

        // Event line → index among event lines (the trace has only the 12 header lines besides events).
        let header = 12
        let truth = try Self.truth()
        var byKind: [String: Int] = [:]
        var supported = 0
        for f in result.findings {
            byKind["\(f.kind.rawValue)/\(f.severity.rawValue)", default: 0] += 1
            guard f.severity == .error else { continue }
            let t = try #require(truth[f.line - header], "no truth for line \(f.line)")
            #expect(t.source != "drv", "error on driver I/O: \(f.kind.rawValue) line \(f.line): \(f.detail)")
            switch f.kind {
            case .maxSegmentSize:
                if t.outputs.contains(where: { $0.1 > t.maxSegmentSize }) { supported += 1 }
            case .segmentBoundary:
                if t.outputs.contains(where: { $0.1 > 0 && (($0.0 ^ ($0.0 + $0.1 - 1)) & ~t.segmentBoundary) != 0 }) { supported += 1 }
            default:
                Issue.record("unexpected error kind on the real trace: \(f.kind.rawValue) line \(f.line): \(f.detail)")
            }
        }
        let errors = result.findings.filter { $0.severity == .error }.count
        #expect(supported == errors)
        print("real-6.1 findings by kind/severity: \(byKind.sorted { $0.key < $1.key }); errors \(errors), truth-supported \(supported); suppressed \(result.suppressedByLostEvents), downgraded \(result.downgradedByLostEvents)")
    }
}

extension AnalyzerRealTraceTests {
    /// Topology limits per device (the drivers' own, from topology.txt's block queues).
    static let statedLimits: [String: (maxSegmentSize: UInt64, boundary: UInt64)] = [
        "0000:00:02.0": (0xffff_ffff, 0xffff_ffff),
        "0000:00:1f.2": (0x10000, 0xffff_ffff),
    ]

    static func violates(_ outputs: [(UInt64, UInt64)], maxSegmentSize: UInt64, boundary: UInt64) -> Bool {
        outputs.contains { $0.1 > maxSegmentSize } || outputs.contains { $0.1 > 0 && (($0.0 ^ ($0.0 + $0.1 - 1)) & ~boundary) != 0 }
    }

    /// With the drivers' own limits in the topology (nvme max_seg 4 GiB-1, ahci 64 KiB,
    /// 4 GiB boundaries) the topology is the user's statement: every output that
    /// breaks the stated limits is reported, even where the synthetic batches had
    /// changed the limits at run time (then the detail says so), and nothing else is
    /// an error: the driver I/O stays clean, and no model-mismatch comes from the
    /// changed limits.
    @Test func errorsWithDriverLimitsJudgeTheStatedLimits() throws {
        let topology = try TopologyFile.load(path: Self.repoRoot.appendingPathComponent("traces/real-6.1-iommu-lazy.topology.json").path)
        let trace = Self.captureDir.appendingPathComponent("trace.txt.xz").path
        let result = try Analyzer(AnalyzerOptions(traces: [trace], topology: topology)).run()
        let truth = try Self.truth()
        var byKind: [String: Int] = [:]
        var explained = 0, reported = Set<Int>()
        for f in result.findings {
            byKind["\(f.kind.rawValue)/\(f.severity.rawValue)", default: 0] += 1
            guard f.severity == .error else { continue }
            let t = try #require(truth[f.line - 12])
            let stated = try #require(Self.statedLimits[f.device])
            #expect(t.source != "drv", "error on driver I/O: \(f.kind.rawValue) line \(f.line): \(f.detail)")
            #expect(f.kind == .maxSegmentSize || f.kind == .segmentBoundary, "\(f.kind.rawValue) line \(f.line): \(f.detail)")
            #expect(Self.violates(t.outputs, maxSegmentSize: stated.maxSegmentSize, boundary: stated.boundary), "line \(f.line) does not break the stated limits: \(f.detail)")
            if t.maxSegmentSize != stated.maxSegmentSize || t.segmentBoundary != stated.boundary {
                if f.detail.contains("look changed at run time") { explained += 1 }
            }
            reported.insert(f.line)
        }
        // Every dma_map_sg whose real outputs break the stated limits is reported (none suppressed).
        var breaking = 0
        let deviceOfMap = Dictionary(result.mappings.map { ($0.mapLine, $0.device) }, uniquingKeysWith: { a, _ in a })
        for (index, t) in truth where t.event == "dma_map_sg" {
            guard let device = deviceOfMap[index + 12], let stated = Self.statedLimits[device] else { continue }
            if Self.violates(t.outputs, maxSegmentSize: stated.maxSegmentSize, boundary: stated.boundary) {
                breaking += 1
                #expect(reported.contains(index + 12), "line \(index + 12) breaks the stated limits but was not reported")
            }
        }
        #expect(breaking > 0)
        #expect(explained > 0)
        for name in ["0000:00:02.0", "0000:00:1f.2"] {
            let record = try #require(result.devices.first { $0.properties.name == name })
            #expect(record.notes.contains { $0.contains("changed at run time") }, "\(name): \(record.notes)")
        }
        print("real-6.1 with driver limits (given): \(byKind.sorted { $0.key < $1.key }); maps breaking the stated limits \(breaking), reported \(reported.count), explained as run-time changes \(explained)")
    }

    /// `--limits learned`: the limits the synthetic batches set at run time are
    /// re-learned from the trace and judge from there, so every error is a real
    /// violation under the limits of that moment (the truth's).
    @Test func learnedLimitsJudgeWithTheLimitsOfTheMoment() throws {
        let topology = try TopologyFile.load(path: Self.repoRoot.appendingPathComponent("traces/real-6.1-iommu-lazy.topology.json").path)
        let trace = Self.captureDir.appendingPathComponent("trace.txt.xz").path
        let result = try Analyzer(AnalyzerOptions(traces: [trace], topology: topology, limits: .learned)).run()
        let truth = try Self.truth()
        var supported = 0
        for f in result.findings where f.severity == .error {
            let t = try #require(truth[f.line - 12])
            #expect(t.source != "drv", "error on driver I/O: \(f.kind.rawValue) line \(f.line): \(f.detail)")
            #expect(f.kind == .maxSegmentSize || f.kind == .segmentBoundary, "\(f.kind.rawValue) line \(f.line): \(f.detail)")
            if Self.violates(t.outputs, maxSegmentSize: t.maxSegmentSize, boundary: t.segmentBoundary) { supported += 1 }
        }
        let errors = result.findings.filter { $0.severity == .error }.count
        #expect(errors > 0)
        #expect(supported == errors)
        for name in ["0000:00:02.0", "0000:00:1f.2"] {
            let record = try #require(result.devices.first { $0.properties.name == name })
            #expect(record.notes.contains { $0.contains("changed at run time") && $0.contains("--limits learned") }, "\(name): \(record.notes)")
        }
        print("real-6.1 with driver limits (learned): errors \(errors), truth-supported \(supported)")
    }
}

extension AnalyzerRealTraceTests {
    /// Without any topology (everything inferred from the trace) nothing may be an error.
    @Test func noErrorWithoutTopology() throws {
        let trace = Self.captureDir.appendingPathComponent("trace.txt.xz").path
        let result = try Analyzer(AnalyzerOptions(traces: [trace])).run()
        var byKind: [String: Int] = [:]
        for f in result.findings { byKind["\(f.kind.rawValue)/\(f.severity.rawValue)", default: 0] += 1 }
        print("real-6.1 without topology: \(byKind.sorted { $0.key < $1.key }); model \(result.model) (\(result.modelReason))")
        #expect(!result.findings.contains { $0.severity == .error })
        #expect(result.kernel == .current)
    }
}

extension AnalyzerRealTraceTests {
    /// The 2020 RFC's bit-31 flag replayed on the real capture: no segment reaches
    /// 2 GiB and there is no P2P memory, so the candidate must not differ anywhere.
    @Test func candidateWithoutItsTriggerIsSilentOnTheCapture() throws {
        let topology = try TopologyFile.load(path: Self.repoRoot.appendingPathComponent("traces/real-6.1-iommu-lazy.checks.topology.json").path)
        let trace = Self.captureDir.appendingPathComponent("trace.txt.xz").path
        let result = try Analyzer(AnalyzerOptions(traces: [trace], topology: topology, candidate: "p2p-dma-len-top-bit")).run()
        #expect(result.candidate == "p2p-dma-len-top-bit")
        #expect(result.findings.isEmpty, "\(result.findings.prefix(3).map(\.detail))")
    }
}
