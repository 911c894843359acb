import Foundation
import SGReplay
import SGReports
import Testing

func writeHTML(_ result: AnalysisResult, options: ReportOptions = ReportOptions()) throws -> (url: URL, text: String) {
    let dir = try AnalysisFixture.temporaryDirectory("html")
    try ReportWriter(result: result, options: options).write(to: dir, formats: [.html])
    let url = dir.appendingPathComponent("report.html")
    return (url, try String(contentsOf: url, encoding: .utf8))
}

@Suite("HTML report")
struct HTMLReportTests {
    @Test("trace text is escaped everywhere: a device or symbol named <script> shows as text")
    func escaping() throws {
        let html = try writeHTML(AnalysisFixture.hostile).text
        #expect(!html.contains("<script>alert"))
        #expect(!html.contains("<img src=x>"))
        #expect(!html.contains("onmouseover=\"alert"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("&lt;/td&gt;&lt;/tr&gt;&lt;script&gt;alert(3)"))
        // Two script elements: the report's own and its JSON data (which no trace text can close).
        #expect(html.components(separatedBy: "<script").count - 1 == 2)
        #expect(html.components(separatedBy: "</script").count - 1 == 2)
        #expect(html.contains("<script type=\"application/json\" id=\"findings-data\">"))
    }

    @Test("no network: no URL, no external src/href, only in-page anchors")
    func selfContained() throws {
        let html = try writeHTML(AnalysisFixture.hostile).text
        #expect(!html.lowercased().contains("http://"))
        #expect(!html.lowercased().contains("https://"))
        #expect(!html.contains("src=\""))
        #expect(!html.contains("@import"))
        let hrefs = html.components(separatedBy: "href=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
        #expect(!hrefs.isEmpty)
        for href in hrefs { #expect(href.hasPrefix("#"), "external href \(href)") }
        let urls = html.components(separatedBy: "url(").dropFirst().map { $0.prefix { $0 != ")" } }
        for url in urls { #expect(url.hasPrefix("#"), "external url(\(url))") }
    }

    @Test("contents: what was analysed, accounting, devices, kinds, call sites, table, pictures")
    func contents() throws {
        let html = try writeHTML(AnalysisFixture.sample).text
        for needle in ["topology kernel.release 6.18.0", "reference 6.18", "Lost events", "tag-inferred", "tag-topology",
                       "nvme_map_data+0x1b4", "drivers/nvme/host/pci.c:812", "id=\"findings-table\"", "id=\"F000001\"",
                       "class=\"occupancy\"", "entries per list (nents)", "DMA segment sizes", "Still mapped at the end of the trace (checks&#39; wording)."] {
            #expect(html.contains(needle), "missing \(needle)")
        }
        // Sections with nothing to say stay out (Mustache treats "" and 0 as true).
        #expect(!html.contains("0 more"))
        #expect(!html.contains("<th>call site</th><td class=\"mono\"></td>"))
        // Findings table: one row per finding (sample is small: all shown).
        #expect(html.components(separatedBy: "<tr data-kind=").count - 1 == 8)
    }

    /// Rows of the table's JSON data.
    static func dataRows(_ html: String) throws -> [[String]] {
        let start = try #require(html.range(of: "<script type=\"application/json\" id=\"findings-data\">"))
        let end = try #require(html.range(of: "</script>", range: start.upperBound..<html.endIndex))
        let json = try JSONSerialization.jsonObject(with: Data(html[start.upperBound..<end.lowerBound].utf8))
        return try #require(json as? [[String]])
    }

    @Test("large results: table rows up to the cap, the rest pointed to findings.csv, file stays under 10 MB")
    func sizeBound() throws {
        let result = AnalysisFixture.large(mappings: 200_000, findings: 100_000)
        let (url, html) = try writeHTML(result)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
        #expect(size < 10_000_000, "report.html is \(size) bytes")
        #expect(try Self.dataRows(html).count == ReportOptions().htmlTableRowLimit)
        #expect(html.components(separatedBy: "<tr data-kind=").count - 1 == 100, "the first page is in the page itself")
        #expect(html.contains("findings.csv has all of them"))
        #expect(html.contains("density grid"))
        #expect(html.contains("picture budget is spent"))
        print("large report.html: \(size) bytes for \(result.mappings.count) mappings, \(result.findings.count) findings")
    }

    @Test("every finding is in the table data (the filter searches them all), each with its anchor")
    func completeTable() throws {
        let result = AnalysisFixture.large(mappings: 100, findings: 2_300)
        let html = try writeHTML(result).text
        let rows = try Self.dataRows(html)
        #expect(rows.map { $0[0] } == result.findings.map(\.id))
        #expect(rows.allSatisfy { $0.count == 16 })
        #expect(!html.contains("findings.csv has all of them"))
        // A finding with a card links to it (#F…); one without gets the row as its anchor (script: id on the row).
        #expect(html.contains("<article class=\"card\" id=\"F000001\">"))
        #expect(html.contains("location.hash"))
    }

    @Test("N per kind sets the evidence cards and their pictures (no fixed 8)")
    func perKindOption() throws {
        let result = AnalysisFixture.large(mappings: 100, findings: 2_300)
        let few = try writeHTML(result, options: ReportOptions(htmlFindingsPerKind: 3)).text
        #expect(few.components(separatedBy: "<article class=\"card\"").count - 1 == 3 * FindingKind.allCases.count)
        let many = try writeHTML(result, options: ReportOptions(htmlFindingsPerKind: 20)).text
        let kindsWithEvidence = Set(result.findings.filter { !$0.evidence.observed.isEmpty || !$0.evidence.inputs.isEmpty }.map(\.kind)).count
        #expect(many.components(separatedBy: "<article class=\"card\"").count - 1 == 20 * FindingKind.allCases.count)
        #expect(many.components(separatedBy: "class=\"mapping\"").count - 1 >= 20 * kindsWithEvidence)
    }

    @Test("cards quote the raw map and unmap lines from the trace file and name the map call's other findings")
    func quotesAndMapCall() throws {
        let dir = try AnalysisFixture.temporaryDirectory("quotes")
        let trace = dir.appendingPathComponent("t.trace")
        let lines = (1...60).map { "line \($0) of the trace <b>" }
        try (lines.joined(separator: "\n") + "\n").write(to: trace, atomically: true, encoding: .utf8)
        var result = AnalysisFixture.sample
        result.findings = result.findings.map { f in
            var f = f
            f.file = trace.path
            return f
        }
        let first = try #require(result.findings.first)
        let html = try writeHTML(result).text
        #expect(html.contains("<pre>line \(FindingFacts.mapLine(first)) of the trace &lt;b&gt;</pre>"))
        #expect(html.contains("class=\"quote-label\">map"))
        let sameCall = result.findings.filter { FindingFacts.mapLine($0) == FindingFacts.mapLine(first) && $0.id != first.id }
        if let sibling = sameCall.first { #expect(html.contains("<a class=\"mono\" href=\"#\(sibling.id)\">\(sibling.id)</a>")) }
        // Standard input cannot be read again: the card says so.
        result.findings = result.findings.map { f in
            var f = f
            f.file = "-"
            return f
        }
        #expect(try writeHTML(result).text.contains("the trace came from standard input"))
    }
}
