import Foundation
import SGReplay
import SGReports
import Testing

@Suite("Determinism")
struct DeterminismTests {
    @Test("identical input gives byte-identical files")
    func byteIdentical() throws {
        let a = try AnalysisFixture.temporaryDirectory("det-a"), b = try AnalysisFixture.temporaryDirectory("det-b")
        let urlsA = try ReportWriter(result: AnalysisFixture.hostile).write(to: a)
        let urlsB = try ReportWriter(result: AnalysisFixture.hostile).write(to: b)
        #expect(urlsA.map(\.lastPathComponent) == ["devices.csv", "findings.csv", "findings.sarif", "junit.xml", "mappings.csv", "report.html", "summary.json"])
        for (x, y) in zip(urlsA, urlsB) {
            #expect(try Data(contentsOf: x) == Data(contentsOf: y), "\(x.lastPathComponent) differs")
        }
    }

    @Test("sample report (SGREPLAY_SAMPLE_REPORT_DIR for make check-html)")
    func sampleReport() throws {
        let target = ProcessInfo.processInfo.environment["SGREPLAY_SAMPLE_REPORT_DIR"]
        let dir = try target.map { URL(fileURLWithPath: $0) } ?? AnalysisFixture.temporaryDirectory("sample")
        let urls = try ReportWriter(result: AnalysisFixture.sample).write(to: dir)
        #expect(urls.count == 7)
        for url in urls { #expect(FileManager.default.fileExists(atPath: url.path)) }
        if target != nil {
            try ReportWriter(result: AnalysisFixture.large(mappings: 20_000, findings: 5_000))
                .write(to: dir.appendingPathComponent("large"), formats: [.html])
        }
    }
}
