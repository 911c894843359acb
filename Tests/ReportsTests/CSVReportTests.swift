import Foundation
import SGTestSupport
import SGReplay
@testable import SGReports
import Testing

/// Reads a CSV file back with CSV.swift's reader: header and rows.
func readCSV(_ url: URL) throws -> (header: [String], rows: [[String]]) {
    try CSVText.read(String(contentsOf: url, encoding: .utf8))
}

@Suite("CSV reports")
struct CSVReportTests {
    @Test("findings.csv has the contract's columns and round-trips nasty fields")
    func findingsRoundTrip() throws {
        let dir = try AnalysisFixture.temporaryDirectory("csv")
        let result = AnalysisFixture.hostile
        try ReportWriter(result: result).write(to: dir, formats: [.csv])
        let (header, rows) = try readCSV(dir.appendingPathComponent("findings.csv"))
        #expect(header == ["id", "kind", "severity", "confidence", "device", "time", "file", "line", "event",
                           "detail", "expected", "observed", "symbol", "source", "map_line", "list_shape"])
        #expect(rows.count == result.findings.count)
        #expect(rows[0].prefix(14) == ["F000001", "double-offset", "error", "definite", "0000:01:00.0", "12.000345",
                            "traces/nvme-p2p-6.18.txt", "41", "dma_map_sg",
                            "sg offset 0x200 added twice (observed - expected = 0x200)", "0xfffc0200", "0xfffc0400",
                            "nvme_map_data+0x1b4", "drivers/nvme/host/pci.c:812"])
        #expect(rows[0][14] == "41")
        let last = try #require(rows.last)
        #expect(last[4] == "<script>alert(1)</script>")
        #expect(last[6] == "traces/a \"b\", c.txt")
        #expect(last[9] == "x\" onmouseover=\"alert(2)\" <img src=x>, \"quoted\"\r\nline2")
        #expect(last[10] == "a,b")
        let mapError = try #require(rows.first { $0[0] == "F000008" })
        #expect(mapError[9] == "err=-12,\nENOMEM")
        for row in rows { #expect(row.count == header.count) }
    }

    @Test("mappings.csv: hex addresses, decimal lengths, empty unmap fields for live mappings")
    func mappingsColumns() throws {
        let dir = try AnalysisFixture.temporaryDirectory("csv")
        let result = AnalysisFixture.sample
        try ReportWriter(result: result).write(to: dir, formats: [])
        let (header, rows) = try readCSV(dir.appendingPathComponent("mappings.csv"))
        #expect(header == ["map_line", "unmap_line", "device", "dir", "nents", "ents", "first_dma", "total_len", "time_map", "time_unmap"])
        #expect(rows.count == result.mappings.count)
        #expect(rows[0] == ["10", "", "0000:01:00.0", "FROM_DEVICE", "1", "1", "0xffc00000", "4096", "10.000000", ""])
        #expect(rows[1] == ["14", "16", "0000:01:00.0", "TO_DEVICE", "2", "1", "0xfffd0000", "8192", "10.040000", "10.390000"])
        for (row, m) in zip(rows, result.mappings) {
            #expect(UInt64(row[6].dropFirst(2), radix: 16) == m.firstDMA)
            #expect(UInt64(row[7]) == m.totalLength)
            #expect(row[0] == String(m.mapLine))
        }
    }

    @Test("devices.csv: mask bits, hex boundary, topology or inferred")
    func devicesColumns() throws {
        let dir = try AnalysisFixture.temporaryDirectory("csv")
        try ReportWriter(result: AnalysisFixture.hostile).write(to: dir, formats: [])
        let (header, rows) = try readCSV(dir.appendingPathComponent("devices.csv"))
        #expect(header == ["device", "kind", "iommu", "granule", "dma_mask_bits", "max_segment_size", "segment_boundary_mask", "source", "notes"])
        #expect(rows.allSatisfy { $0.count == 9 })
        #expect(rows.map { Array($0.prefix(8)) } == [
            ["0000:01:00.0", "pci", "dma", "4096", "48", "4294967295", "0xffffffff", "topology"],
            ["0000:03:00.0", "pci", "none", "4096", "32", "65536", "0xffffffff", "inferred"],
            ["<script>alert(1)</script>", "platform", "none", "4096", "64", "65536", "0xffffffff", "inferred"],
        ])
    }

    @Test("CSV files use CRLF record ends and quote only what needs it")
    func rfc4180Bytes() throws {
        let dir = try AnalysisFixture.temporaryDirectory("csv")
        try ReportWriter(result: AnalysisFixture.hostile).write(to: dir, formats: [])
        let text = try String(contentsOf: dir.appendingPathComponent("findings.csv"), encoding: .utf8)
        #expect(text.hasPrefix("id,kind,severity,confidence,device,time,file,line,event,detail,expected,observed,symbol,source,map_line,list_shape\r\n"))
        #expect(text.hasSuffix("\r\n"))
        #expect(text.contains(",\"traces/a \"\"b\"\", c.txt\","))
        #expect(text.contains(",\"a,b\","))
    }
}

/// The plain CSV writer against CSV.swift's reader, and the fast `%.6f`.
@Suite("CSV writer")
struct CSVWriterTests {
    /// Fields from trace text with every character RFC 4180 cares about read back unchanged;
    /// formula-like cells are defused with a leading `'`, numbers and lone signs are not.
    @Test("quoting round-trips and formulas are defused")
    func roundTripAndFormulas() throws {
        var g: UInt64 = 0x1234_5678
        func next(_ n: UInt64) -> UInt64 { g = g &* 6364136223846793005 &+ 1442695040888963407; return (g >> 33) % n }
        let alphabet = Array("ab,\"\r\n x0é\t;'")
        var rows: [[String]] = []
        for _ in 0..<500 {
            rows.append((0..<4).map { _ in String((0..<Int(next(12))).map { _ in alphabet[Int(next(UInt64(alphabet.count)))] }) })
        }
        let dir = try AnalysisFixture.temporaryDirectory("csvw")
        let url = dir.appendingPathComponent("t.csv")
        try CSVTableWriter(url: url, header: ["a", "b", "c", "d"], blockSize: 64).write(rows)
        let (header, back) = try readCSV(url)
        #expect(header == ["a", "b", "c", "d"])
        #expect(back == rows)
        let cells = ["=HYPERLINK(\"x\")", "+cmd", "-2+3", "@SUM(A1)", "-1", "+0x10", "-0.5", "-", "0xffff", "a=b"]
        let url2 = dir.appendingPathComponent("f.csv")
        try CSVTableWriter(url: url2, header: ["x"]).write(cells.map { [$0] })
        let read = try readCSV(url2).rows.map { $0[0] }
        #expect(read == ["'=HYPERLINK(\"x\")", "'+cmd", "'-2+3", "'@SUM(A1)", "-1", "+0x10", "-0.5", "-", "0xffff", "a=b"])
    }

    @Test("seconds as %.6f")
    func secondsLikePrintf() {
        var g: UInt64 = 99
        for _ in 0..<20_000 {
            g = g &* 6364136223846793005 &+ 1442695040888963407
            let ns = (g >> 20) % 100_000_000_000_000
            let v = Double(ns) / 1e9
            #expect(ValueFormat.seconds(v) == String(format: "%.6f", v), "\(ns)")
        }
        for v in [0.0, 0.0000005, 1.0000005, 4.089019, 123456.999999, 1e11 + 0.25] {
            #expect(ValueFormat.seconds(v) == String(format: "%.6f", v), "\(v)")
        }
    }
}
