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
        // Exactly one script element: the report's own.
        #expect(html.components(separatedBy: "<script").count - 1 == 1)
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
        // Findings table: one row per finding (sample is small: all shown).
        #expect(html.components(separatedBy: "<tr data-kind=").count - 1 == 8)
    }

    @Test("large results: first N per kind, the rest pointed to findings.csv, file stays under 10 MB")
    func sizeBound() throws {
        let result = AnalysisFixture.large(mappings: 200_000, findings: 100_000)
        let (url, html) = try writeHTML(result)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
        #expect(size < 10_000_000, "report.html is \(size) bytes")
        #expect(html.components(separatedBy: "<tr data-kind=").count - 1 == 50 * FindingKind.allCases.count)
        #expect(html.contains("findings.csv has all of them"))
        #expect(html.contains("density grid"))
        print("large report.html: \(size) bytes for \(result.mappings.count) mappings, \(result.findings.count) findings")
    }

    @Test("N per kind is configurable")
    func perKindOption() throws {
        let result = AnalysisFixture.large(mappings: 100, findings: 2_300)
        let html = try writeHTML(result, options: ReportOptions(htmlFindingsPerKind: 3, htmlPicturesPerKind: 1)).text
        #expect(html.components(separatedBy: "<tr data-kind=").count - 1 == 3 * FindingKind.allCases.count)
        #expect(html.components(separatedBy: "<article class=\"card\"").count - 1 == FindingKind.allCases.count)
    }
}
