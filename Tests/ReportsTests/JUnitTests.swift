import Foundation
import SGReplay
import SGReports
import Testing

@Suite("JUnit")
struct JUnitTests {
    @Test("well-formed XML with one testcase per kind per trace; failures carry the findings")
    func structure() throws {
        let dir = try AnalysisFixture.temporaryDirectory("junit")
        let result = AnalysisFixture.hostile
        try ReportWriter(result: result).write(to: dir, formats: [.junit])
        let path = dir.appendingPathComponent("junit.xml").path
        let script = """
            import sys, xml.etree.ElementTree as ET
            root = ET.parse(sys.argv[1]).getroot()
            cases = root.findall('./testsuite/testcase')
            failed = [c.get('name') for c in cases if c.find('failure') is not None]
            print(root.tag, len(root.findall('testsuite')), len(cases), root.get('tests'), root.get('failures'))
            print(','.join(sorted(failed)))
            for c in cases:
                f = c.find('failure')
                if f is not None and c.get('name') == 'model-mismatch': print('MM:' + f.text.replace('\\n', '|'))
            """
        let (status, output) = try runPython(["-c", script, path])
        #expect(status == 0, "\(output)")
        let lines = output.split(separator: "\n").map(String.init)
        // Two traces (the fixture's and the hostile finding's file) x every kind.
        let kinds = FindingKind.allCases.count
        #expect(lines.first == "testsuites 2 \(2 * kinds) \(2 * kinds) 5")
        #expect(lines.count > 1 && lines[1] == "double-offset,model-mismatch,overlap-in-list,overlap-live,unmap-dir-mismatch")
        #expect(output.contains("MM:|F000009 error/definite traces/a \"b\", c.txt:9 <script>alert(1)</script> dma_map_sg"))
    }

    @Test("--fail-on never: no failures, findings in system-out")
    func failOnNever() throws {
        let dir = try AnalysisFixture.temporaryDirectory("junit")
        try ReportWriter(result: AnalysisFixture.sample, options: ReportOptions(failOn: nil)).write(to: dir, formats: [.junit])
        let xml = try String(contentsOf: dir.appendingPathComponent("junit.xml"), encoding: .utf8)
        #expect(xml.contains("failures=\"0\""))
        #expect(!xml.contains("<failure"))
        #expect(xml.contains("<system-out>"))
        #expect(xml.components(separatedBy: "<testcase ").count - 1 == FindingKind.allCases.count)
    }

    @Test("classnames: sgreplay. and the trace path without dots or slashes")
    func classnames() throws {
        let dir = try AnalysisFixture.temporaryDirectory("junit")
        try ReportWriter(result: AnalysisFixture.sample).write(to: dir, formats: [.junit])
        let xml = try String(contentsOf: dir.appendingPathComponent("junit.xml"), encoding: .utf8)
        #expect(AnalysisFixture.trace == "traces/nvme-p2p-6.18.txt")
        #expect(xml.contains("classname=\"sgreplay.traces_nvme-p2p-6_18_txt\""))
        #expect(!xml.contains("classname=\"sgreplay.traces/"))
    }
}
