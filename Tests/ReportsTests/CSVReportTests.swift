import CSV
import Foundation
import SGReplay
import SGReports
import Testing

/// Reads a CSV file back with CSV.swift's reader: header and rows.
func readCSV(_ url: URL) throws -> (header: [String], rows: [[String]]) {
    let text = try String(contentsOf: url, encoding: .utf8)
    let reader = try CSVReader(string: text, hasHeaderRow: true)
    var rows: [[String]] = []
    while let row = reader.next() { rows.append(row) }
    if let error = reader.error { throw error }
    return (reader.headerRow ?? [], rows)
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
                           "detail", "expected", "observed", "symbol", "source"])
        #expect(rows.count == result.findings.count)
        #expect(rows[0] == ["F000001", "double-offset", "error", "definite", "0000:01:00.0", "12.000345",
                            "traces/nvme-p2p-6.18.txt", "41", "dma_map_sg",
                            "sg offset 0x200 added twice (observed - expected = 0x200)", "0xfffc0200", "0xfffc0400",
                            "nvme_map_data+0x1b4", "drivers/nvme/host/pci.c:812"])
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
        #expect(rows[0] == ["10", "", "0000:01:00.0", "FROM_DEVICE", "1", "1", "0xffff0000", "4096", "10.000000", ""])
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
        #expect(header == ["device", "kind", "iommu", "granule", "dma_mask_bits", "max_segment_size", "segment_boundary_mask", "source"])
        #expect(rows == [
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
        #expect(text.hasPrefix("id,kind,severity,confidence,device,time,file,line,event,detail,expected,observed,symbol,source\r\n"))
        #expect(text.hasSuffix("\r\n"))
        #expect(text.contains(",\"traces/a \"\"b\"\", c.txt\","))
        #expect(text.contains(",\"a,b\","))
    }
}
