import Foundation
import SGIngest
import SGModel
import Testing
@testable import SGReplay

/// The real-kernel captures of `make lab` (traces/real/<kernel>-<config>/): a
/// Debian 6.12 kernel under QEMU in six DMA configurations, with the `dma:*`,
/// `iommu:*` and `swiotlb:*` events its own tracepoints printed. Each must
/// parse without a malformed line, give no `error` with or without its
/// topology, reconcile its accounting, and every `dma_map_sg` the trace shows
/// whole must be reconstructed exactly and reproduced by the reference model.
@Suite struct LabCaptureTests {
    static let root = RealCaptureFiles.repoRoot.appendingPathComponent("traces/real")

    /// Every capture folder with a trace (sorted by name).
    static var captures: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        // The P2P captures commit bugs on purpose: P2PLabCaptureTests pins their findings.
        return names.filter { !$0.contains("-p2p-") && FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/trace.txt.xz").path) }.sorted()
    }

    /// The traces of a capture: the full one, and the `dma:*`-only cut where there is one.
    static var traces: [String] {
        captures.flatMap { name in
            ["trace.txt.xz", "trace-dma-only.txt.xz"].compactMap { file in
                FileManager.default.fileExists(atPath: root.appendingPathComponent("\(name)/\(file)").path) ? "\(name)/\(file)" : nil
            }
        }
    }

    static func topology(_ trace: String) throws -> Topology {
        let dir = root.appendingPathComponent(trace).deletingLastPathComponent()
        return try TopologyFile.load(path: dir.appendingPathComponent("topology.json").path)
    }

    @Test func theSixConfigurationsAreCommitted() {
        let configs = Set(Self.captures.compactMap { $0.split(separator: "-").last.map(String.init) })
        for config in ["lazy", "strict", "pt", "forcedac", "direct", "force"] {
            #expect(configs.contains(config), "no capture for \(config) in \(Self.captures)")
        }
        #expect(Self.traces.contains { $0.hasSuffix("swiotlb-force/trace-dma-only.txt.xz") })
        #expect(Self.traces.contains { $0.contains("iommu") && $0.hasSuffix("trace-dma-only.txt.xz") })
    }

    @Test(arguments: traces)
    func parsesWholeAndGivesNoErrorWithoutTopology(trace: String) throws {
        let path = Self.root.appendingPathComponent(trace).path
        let result = try Analyzer(AnalyzerOptions(traces: [path])).run()
        #expect(result.input.malformed == 0, "\(result.input.malformedLines.prefix(3))")
        #expect(result.input.reconciles)
        #expect(!result.input.damaged)
        #expect(result.input.lostEvents == 0)
        #expect(result.modelReplay.maps > 100)
        let errors = result.findings.filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(trace): \(errors.prefix(5).map { "\($0.line) \($0.kind.rawValue): \($0.detail)" })")
        let definite = result.findings.filter { $0.confidence == .definite && $0.severity >= .warning }
        #expect(definite.isEmpty, "\(trace): \(definite.prefix(5).map { "\($0.line) \($0.kind.rawValue): \($0.detail)" })")
    }

    @Test(arguments: traces)
    func theModelReproducesEveryWholeListWithTheTopology(trace: String) throws {
        let path = Self.root.appendingPathComponent(trace).path
        let result = try Analyzer(AnalyzerOptions(traces: [path], topology: try Self.topology(trace))).run()
        #expect(result.input.malformed == 0)
        #expect(result.input.reconciles)
        let errors = result.findings.filter { $0.severity >= .warning }
        #expect(errors.isEmpty, "\(trace): \(errors.prefix(5).map { "\($0.line) \($0.kind.rawValue)/\($0.severity.rawValue): \($0.detail)" })")
        let r = result.modelReplay
        // Every list shown whole is reconstructed exactly (with the iommu:map runs the full
        // trace has; the dma:*-only cut leaves merged lengths ambiguous), and the model gives
        // the outputs and count of every exact one.
        if !trace.hasSuffix("dma-only.txt.xz") || !trace.contains("iommu") {
            #expect(r.exact + r.truncated == r.maps, "\(trace): \(r)")
        } else {
            #expect(r.exact > r.maps / 2, "\(trace): \(r)")
        }
        #expect(r.replayed == r.exact, "\(trace): \(r)")
        #expect(r.reproduced == r.replayed, "\(trace): first differing lines \(r.firstDiffering)")
        #expect(r.maps > 100)
    }

    /// `swiotlb=force` with only `dma:*` events: the bounces must not be taken for IOVAs.
    @Test func swiotlbForcedDMAOnlyIsInferredAsBouncing() throws {
        guard let name = Self.captures.first(where: { $0.hasSuffix("swiotlb-force") }) else {
            Issue.record("no swiotlb-force capture")
            return
        }
        let result = try Analyzer(AnalyzerOptions(traces: [Self.root.appendingPathComponent("\(name)/trace-dma-only.txt.xz").path])).run()
        let dmaDevices = Set(result.mappings.map(\.device))
        #expect(!dmaDevices.isEmpty)
        for device in dmaDevices {
            let record = try #require(result.devices.first { $0.properties.name == device })
            #expect(!record.properties.iommu.isTranslated, "\(device): \(record.notes)")
        }
    }
}
