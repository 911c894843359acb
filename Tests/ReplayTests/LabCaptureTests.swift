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

    /// Captures that also hold their run as trace.dat (`trace-cmd extract` in the guest after the
    /// text export: the same ring buffers).
    static var traceDats: [String] {
        captures.filter { FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/trace.dat.xz").path) }
    }

    final class Rows: MappingRowSink, @unchecked Sendable {
        var rows: [MappingRecord] = []
        func write(_ row: MappingRecord) throws { rows.append(row) }
    }

    @Test func everyConfigurationHasItsTraceDat() {
        #expect(Self.traceDats == Self.captures)
    }

    /// The trace.dat of a run (read through libtracecmd, fields raw from its format files) and the
    /// text of the same run (the kernel's printer) give the same events, the same findings and
    /// the same mappings.csv rows apart from the line / record numbers (and the times, which the
    /// text has in whole microseconds: the trace.dat's nanoseconds rounded to them).
    @Test(arguments: traceDats)
    func traceDatGivesWhatTheTextGives(capture: String) throws {
        let topology = try Self.topology("\(capture)/trace.txt.xz")
        func analyse(_ file: String) throws -> (AnalysisResult, [MappingRecord]) {
            var options = AnalyzerOptions(traces: [Self.root.appendingPathComponent("\(capture)/\(file)").path], topology: topology)
            let rows = Rows()
            options.mappingRows = rows
            return (try Analyzer(options).run(), rows.rows)
        }
        let (text, textRows) = try analyse("trace.txt.xz")
        let (dat, datRows) = try analyse("trace.dat.xz")
        #expect(dat.input.malformed == 0 && dat.input.reconciles && !dat.input.damaged && dat.input.lostEvents == 0, "\(dat.input)")
        #expect(dat.input.eventsUsed == text.input.eventsUsed)
        #expect(dat.input.eventsOther == text.input.eventsOther)
        func key(_ f: Finding) -> String { "\(f.kind.rawValue) \(f.severity.rawValue) \(f.confidence.rawValue) \(f.device) \(f.event)" }
        #expect(dat.findings.map(key).sorted() == text.findings.map(key).sorted())
        #expect(dat.modelReplay.maps == text.modelReplay.maps && dat.modelReplay.exact == text.modelReplay.exact
                && dat.modelReplay.reproduced == text.modelReplay.reproduced, "\(dat.modelReplay) vs \(text.modelReplay)")
        #expect(datRows.count == textRows.count && datRows.count > 1000)
        func micros(_ t: Double) -> Int64 { Int64((t * 1e6).rounded()) }
        func rounded(_ t: Double) -> Int64 { (Int64((t * 1e9).rounded()) + 500) / 1000 } // ftrace's ns2usecs
        var differing = 0
        for (d, t) in zip(datRows, textRows) {
            var same = d
            same.mapFile = t.mapFile
            same.mapLine = t.mapLine
            same.unmapLine = t.unmapLine
            same.timeMap = t.timeMap
            same.timeUnmap = t.timeUnmap
            let times = rounded(d.timeMap) == micros(t.timeMap) && d.timeUnmap.map(rounded) == t.timeUnmap.map(micros)
            if same != t || !times {
                differing += 1
                if differing <= 3 { Issue.record("\(capture): dat row \(d) differs from text row \(t)") }
            }
        }
        #expect(differing == 0)
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
