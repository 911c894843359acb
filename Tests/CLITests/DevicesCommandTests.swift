import Foundation
import Testing

/// `sgreplay devices` run as users run it, on the real 6.1 capture.
@Suite struct DevicesCommandTests {
    static let capture = CLIRunner.realCapture
    static let repoRoot = CLIRunner.repoRoot

    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let r = try CLIRunner.run(arguments)
        return (r.status, r.stdout, r.stderr)
    }

    @Test func tableOfTheRealCapture() throws {
        let r = try Self.run(["devices", Self.capture])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.first?.hasPrefix("device") == true)
        #expect(lines.contains { $0.hasPrefix("0000:00:02.0  pci   dma") && $0.contains(">=0x80000") && $0.contains("inferred") })
        #expect(lines.contains { $0.hasPrefix("0000:00:1f.2  pci   dma") })
    }

    @Test("devices.csv shows inferred lower bounds as 'sgreplay devices' does (>=32, >=0x80000), notes last")
    func devicesCSVAgreesWithTheTable() throws {
        let dir = try CLIRunner.temporaryDirectory()
        _ = try CLIRunner.run(["analyze", Self.capture, "--out", dir.path, "--format", "csv"])
        let csv = try String(contentsOf: dir.appendingPathComponent("devices.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\r\n").map(String.init)
        #expect(lines.first == "device,kind,iommu,granule,dma_mask_bits,max_segment_size,segment_boundary_mask,source,notes")
        let table = try Self.run(["devices", Self.capture]).stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        for name in ["0000:00:02.0", "0000:00:1f.2"] {
            let row = try #require(lines.first { $0.hasPrefix(name + ",") }).split(separator: ",", maxSplits: 8).map(String.init)
            let cells = try #require(table.first { $0.first == name })
            // table: device kind iommu group granule dma_mask_bits max_segment_size boundary source notes…
            #expect(row[4] == cells[5] && row[4].hasPrefix(">="), "\(row) vs \(cells)")
            #expect(row[5] == cells[6] && row[5].hasPrefix(">=0x"))
            #expect(row[7] == "inferred")
            #expect(row[8].contains("iommu: translated"))
        }
    }

    @Test func topologyWinsAndJSONLoadsBack() throws {
        let topology = Self.repoRoot.appendingPathComponent("traces/real-6.1-iommu-lazy.topology.json").path
        let table = try Self.run(["devices", Self.capture, "--topology", topology])
        #expect(table.status == 0)
        #expect(table.stdout.contains("0000:00:02.0  pci   dma-fq  2"))
        #expect(table.stdout.contains("topology"))
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("sgreplay-devices-\(UUID().uuidString).json")
        let json = try Self.run(["devices", Self.capture, "--json", "--out", out.path])
        #expect(json.status == 0)
        #expect(json.stderr.contains("0000:00:02.0: dma_mask_bits >= 32, max_segment_size >= 0x80000"))
        // The file is a topology file the tool takes back.
        let again = try Self.run(["devices", Self.capture, "--topology", out.path])
        #expect(again.status == 0, "stderr: \(again.stderr)")
        #expect(again.stdout.contains("topology"))
    }

    @Test func unreadableInputAndBadTopologyExitTwo() throws {
        let missing = try Self.run(["devices", "/nonexistent/trace.txt"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/nonexistent/trace.txt"))
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("sgreplay-bad-\(UUID().uuidString).json")
        try Data(#"{"devices": {"0000:00:02.0": {"segment_boundary_mask": 4096}}}"#.utf8).write(to: bad)
        let r = try Self.run(["devices", Self.capture, "--topology", bad.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains(bad.path))
        #expect(r.stderr.contains(#"devices["0000:00:02.0"].segment_boundary_mask"#))
        #expect(r.stdout.isEmpty)
    }

    @Test func damagedInputShowsWhatWasReadAndExitsThree() throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: Self.capture))
        let cut = FileManager.default.temporaryDirectory.appendingPathComponent("sgreplay-cut-\(UUID().uuidString).xz")
        try whole.prefix(whole.count / 2).write(to: cut)
        let r = try Self.run(["devices", cut.path])
        #expect(r.status == 3, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("0000:00:02.0"))
        #expect(r.stderr.contains("damaged"))
    }
}
