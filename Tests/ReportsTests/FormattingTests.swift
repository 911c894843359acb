import Foundation
import SGIngest
import SGModel
import SGReplay
@testable import SGReports
import Testing

@Suite("Formatting and axes")
struct FormattingTests {
    @Test("hex, binary units, mask widths")
    func values() {
        #expect(ValueFormat.hex(0xfffc_0400) == "0xfffc0400")
        #expect(ValueFormat.hex(0) == "0x0")
        #expect(ValueFormat.bytes(512) == "512 B")
        #expect(ValueFormat.bytes(4096) == "4 KiB")
        #expect(ValueFormat.bytes(0x18_0000) == "1.5 MiB")
        #expect(ValueFormat.bytes(1 << 31) == "2 GiB")
        #expect(ValueFormat.maskBits(.max) == 64)
        #expect(ValueFormat.maskBits(0xffff_ffff) == 32)
        #expect(ValueFormat.maskBits((1 << 48) - 1) == 48)
        #expect(ValueFormat.maskBits(0xffff_0000) == nil)
        #expect(ValueFormat.seconds(12.000345) == "12.000345")
    }

    @Test("broken axis: far-apart ranges each get a visible, to-scale piece")
    func brokenAxis() {
        let ranges: [(UInt64, UInt64)] = [(0x1_4000_0000, 0x1000), (0xf0_0000_1080, 0x1f80), (0x1_4000_2000, 0x1000)]
        let axis = BrokenAddressAxis(ranges: ranges, pixelStart: 150, pixelEnd: 765)
        #expect(axis.pieces.count == 2)  // the two RAM pages are close: one piece
        #expect(axis.breakPositions.count == 1)
        for (start, length) in ranges {
            let width = axis.endX(start: start, length: length) - axis.x(start)
            #expect(width >= 40, "range \(ValueFormat.hex(start)) drawn \(width) px wide")
        }
        #expect(axis.x(0x1_4000_0000) < axis.x(0x1_4000_2000))
        #expect(axis.x(0x1_4000_2000) < axis.x(0xf0_0000_1080))
        #expect(axis.pieces.last!.x1 <= 765.01)
    }

    @Test("broken axis: many scattered ranges stay within the plot in a few pieces")
    func manyRanges() {
        let ranges = (0..<128).map { (UInt64($0) * 0x10_0000_0000 + UInt64($0 % 7) * 0x40, UInt64(0x1000)) }
        let axis = BrokenAddressAxis(ranges: ranges, pixelStart: 150, pixelEnd: 765)
        #expect(axis.pieces.count <= BrokenAddressAxis.maxPieces)
        for (start, length) in ranges {
            let x0 = axis.x(start), x1 = axis.endX(start: start, length: length)
            #expect(x0 >= 150 && x1 <= 765.01 && x1 >= x0)
        }
        #expect(HistogramPicture.entryBuckets([1, Int.max]).count < 70)
    }

    @Test("tick labels fit their pixel width")
    func ticksFit() {
        let narrow = AddressScale(low: 0xf0_0000_1000, high: 0xf0_0000_3000, pixelStart: 0, pixelEnd: 250)
        #expect(narrow.powerOfTwoTicks().count <= 3)
        let wide = AddressScale(low: 0x1000, high: 0x9000, pixelStart: 0, pixelEnd: 700)
        #expect((2...5).contains(wide.powerOfTwoTicks().count))
    }

    @Test("odd evidence never traps: indices out of range, empty lists, zero-length everything")
    func oddEvidence() throws {
        var result = AnalysisFixture.sample
        result.findings = [
            Finding(id: "F1", kind: .modelMismatch, severity: .error, confidence: .possible, device: "d", time: 0, file: "t", line: 1,
                    event: "dma_map_sg", detail: "", evidence: FindingEvidence(observed: [DMASegment(address: .max, length: 0)],
                                                                               offendingObserved: [0, 5, -1])),
            Finding(id: "F2", kind: .zeroLength, severity: .warning, confidence: .definite, device: "d", time: .nan, file: "t", line: 0,
                    event: "dma_map_sg", detail: "", evidence: FindingEvidence(inputs: [ScatterEntry(phys: 0, length: 0)],
                                                                               expected: [DMASegment(address: 0, length: 0)])),
        ]
        result.mappings = [MappingRecord(mapFile: "t", mapLine: 1, device: "d", direction: "NONE", nents: 0, ents: 0,
                                         firstDMA: .max, totalLength: 0, timeMap: 0, exact: false),
                           MappingRecord(mapFile: "t", mapLine: 2, device: "d", direction: "NONE", nents: 1, ents: 1,
                                         firstDMA: 0, totalLength: .max, timeMap: .infinity, timeUnmap: .nan, exact: false)]
        for k in 0..<3000 {  // density-grid path with a non-finite time among them
            result.mappings.append(MappingRecord(mapFile: "t", mapLine: 10 + k, device: "e", direction: "TO_DEVICE", nents: 1, ents: 1,
                                                 firstDMA: UInt64(k) << 12, totalLength: 0x1000, timeMap: k == 7 ? .nan : Double(k), exact: true))
        }
        let (_, html) = try writeHTML(result)
        #expect(html.contains("id=\"F1\""))
        #expect(html.contains("id=\"F2\""))
    }

    @Test("--format lists parse; unknown names are named in the error")
    func formatList() throws {
        #expect(try ReportFormat.parseList("html, CSV,sarif") == [.html, .csv, .sarif])
        #expect(try ReportFormat.parseList("") == [])
        #expect(throws: ReportFormat.UnknownFormat.self) { try ReportFormat.parseList("html,pdf") }
        do {
            _ = try ReportFormat.parseList("pdf")
        } catch {
            #expect("\(error)".contains("'pdf'"))
        }
    }

    @Test("an empty result still gives every file")
    func emptyResult() throws {
        let result = AnalysisResult(traces: [], input: InputAccounting(), kernel: .current, model: "reference 6.18",
                                    modelReason: "default", devices: [], mappings: [], findings: [])
        let dir = try AnalysisFixture.temporaryDirectory("empty")
        let urls = try ReportWriter(result: result).write(to: dir)
        #expect(urls.count == 7)
        let html = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("No findings."))
    }
}
