import Foundation
import SGModel
import SGReplay
import SGReports
import Testing

@Suite("audit baselines")
struct BaselineTests {
    static func finding(symbol: String = "", offsets: [UInt32] = [0x200, 0], kind: FindingKind = .doubleOffset) -> Finding {
        let inputs = offsets.enumerated().map { i, off in ScatterEntry(pagePhys: 0x10_0000 * UInt64(i + 1), offset: off, length: 0x1000) }
        return Finding(id: "F000001", kind: kind, severity: .error, confidence: .definite, device: "0000:01:00.0", time: 1, file: "t",
                       line: 10, event: "dma_map_sg", detail: "d", symbol: symbol,
                       evidence: FindingEvidence(inputs: inputs, observed: [DMASegment(address: 0x1000, length: 0x1000)]))
    }

    static func baseline(_ findings: [Finding], dropShape: Bool = false) throws -> FindingBaseline {
        let dir = try AnalysisFixture.temporaryDirectory("baseline")
        var result = AnalysisFixture.sample
        result.findings = findings
        try ReportWriter(result: result).write(to: dir, formats: [])
        var text = try String(contentsOf: dir.appendingPathComponent("findings.csv"), encoding: .utf8)
        if dropShape {
            // A findings.csv of an earlier version: the contract's 14 columns only.
            text = text.split(separator: "\r\n").map { line in
                line.split(separator: ",", omittingEmptySubsequences: false).prefix(14).joined(separator: ",")
            }.joined(separator: "\r\n") + "\r\n"
        }
        let url = dir.appendingPathComponent("base.csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return try FindingBaseline(path: url.path)
    }

    @Test("a row with a symbol keys on the call site; one without on kind, device and list shape (weak)")
    func keys() throws {
        let withSymbol = try Self.baseline([Self.finding(symbol: "nvme_map_data+0x1b4")])
        #expect(withSymbol.match(Self.finding(symbol: "nvme_map_data+0x1b4", offsets: [0x10])) == .callSite)
        #expect(withSymbol.match(Self.finding(symbol: "other+0x1")) == nil)
        #expect(withSymbol.weakEntries == 0)

        let weak = try Self.baseline([Self.finding()])
        #expect(weak.weakEntries == 1)
        #expect(weak.match(Self.finding()) == .listShape)
        #expect(weak.match(Self.finding())?.isWeak == true)
        // Another list (different entry count or offsets) of the same kind on the same device is new.
        #expect(weak.match(Self.finding(offsets: [0x200, 0, 0])) == nil)
        #expect(weak.match(Self.finding(offsets: [0x400, 0])) == nil)
        #expect(weak.match(Self.finding(kind: .zeroLength)) == nil)
    }

    @Test("a findings.csv without list_shape still loads: kind and device only, counted as weak")
    func olderFile() throws {
        let old = try Self.baseline([Self.finding()], dropShape: true)
        #expect(old.kindAndDeviceEntries == 1)
        #expect(old.match(Self.finding(offsets: [0x400, 0, 0])) == .kindAndDevice)
    }

    @Test("findings.csv's list_shape: entries, first four offsets, outputs; never an address")
    func shapeText() {
        #expect(FindingFacts.listShape(Self.finding()) == "entries=2 offsets=0x200,0x0 outputs=1")
        #expect(FindingFacts.listShape(Self.finding(offsets: [1, 2, 3, 4, 5])) == "entries=5 offsets=0x1,0x2,0x3,0x4,… outputs=1")
    }
}
