import Foundation
import SGReplay

/// Builds `junit.xml`: one test suite per trace, one test case per finding kind
/// (every kind, passing ones too; classname ``classname(_:)``). A case fails when it has findings at or above
/// ``ReportOptions/failOn``; the failure text lists them (first
/// ``ReportOptions/junitFindingsPerCase``), lower-severity findings go to `system-out`.
struct JUnitReport {
    let result: AnalysisResult
    let options: ReportOptions
    let catalog: FindingKindCatalog

    func xml() -> String {
        let extra = Set(result.findings.map(\.file)).subtracting(result.traces).sorted()
        let traces = result.traces + extra
        var byTraceAndKind: [String: [FindingKind: [Finding]]] = [:]
        for f in result.findings { byTraceAndKind[f.file, default: [:]][f.kind, default: []].append(f) }
        var suites: [String] = []
        var totalFailures = 0
        for trace in traces {
            var cases: [String] = []
            var failures = 0
            for kind in FindingKind.allCases {
                let found = byTraceAndKind[trace]?[kind] ?? []
                let failing = found.filter { f in options.failOn.map { f.severity >= $0 } ?? false }
                let other = found.filter { f in !(options.failOn.map { f.severity >= $0 } ?? false) }
                var body = ""
                if !failing.isEmpty {
                    failures += 1
                    let message = "\(failing.count) \(kind.rawValue) finding\(failing.count == 1 ? "" : "s")"
                    body += "\n      <failure message=\"\(XMLText.escape(message))\" type=\"\(kind.rawValue)\">"
                        + XMLText.escape(listing(failing)) + "</failure>"
                }
                if !other.isEmpty {
                    body += "\n      <system-out>" + XMLText.escape(listing(other)) + "</system-out>"
                }
                let name = XMLText.escape(kind.rawValue)
                let classname = XMLText.escape(Self.classname(trace))
                let open = "    <testcase classname=\"\(classname)\" name=\"\(name)\""
                cases.append(body.isEmpty ? open + "/>" : open + ">" + body + "\n    </testcase>")
            }
            totalFailures += failures
            suites.append("  <testsuite name=\"\(XMLText.escape(trace))\" tests=\"\(FindingKind.allCases.count)\" "
                + "failures=\"\(failures)\" errors=\"0\" skipped=\"0\">\n" + cases.joined(separator: "\n")
                + "\n  </testsuite>")
        }
        let tests = traces.count * FindingKind.allCases.count
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<testsuites name=\"sgreplay\" tests=\"\(tests)\" failures=\"\(totalFailures)\" errors=\"0\">\n"
            + suites.joined(separator: "\n") + (suites.isEmpty ? "" : "\n") + "</testsuites>\n"
    }

    /// `sgreplay.<trace>` with the path's `.`, `/` and `\\` as `_` (`traces/a.txt` → `sgreplay.traces_a_txt`):
    /// CI viewers split classnames at dots into packages, and a file name is not a package path.
    static func classname(_ trace: String) -> String {
        let flat = String(trace.map { $0 == "." || $0 == "/" || $0 == "\\" ? "_" : $0 })
        return "sgreplay." + flat
    }

    private func listing(_ findings: [Finding]) -> String {
        let shown = findings.prefix(options.junitFindingsPerCase)
        var lines = shown.map { f in
            "\(f.id) \(f.severity.rawValue)/\(f.confidence.rawValue) \(f.file):\(f.line) \(f.device) \(f.event): "
                + "\(f.detail) expected=\(f.expected) observed=\(f.observed)"
                + (f.symbol.isEmpty ? "" : " at \(f.symbol)") + (f.source.isEmpty ? "" : " (\(f.source))")
        }
        if findings.count > shown.count {
            lines.append("... and \(findings.count - shown.count) more in findings.csv")
        }
        return "\n" + lines.joined(separator: "\n") + "\n"
    }
}
