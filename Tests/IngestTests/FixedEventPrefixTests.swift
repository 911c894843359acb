import Foundation
import Testing
@testable import SGIngest

/// The by-position parse of the common ftrace / trace-cmd prefix gives exactly
/// what the general path gives, on real framings and on near misses of the layout.
@Suite struct FixedEventPrefixTests {
    /// Class and parts of `line` as text (spans as their bytes).
    static func describe(_ line: String, fixedLayout: Bool) -> String {
        var bytes = Array(line.utf8)
        bytes.append(0) // a valid pointer also for the empty line
        return bytes.withUnsafeBufferPointer { buf in
            let span = ByteSpan(buf.baseAddress!, buf.count - 1)
            var e = EventLine(name: span.slice(0, 0), payload: span.slice(0, 0))
            switch LineClassifier.classify(span, into: &e, fixedLayout: fixedLayout) {
            case .event:
                return "event comm=\(e.comm?.string ?? "nil") instance=\(e.instance?.string ?? "nil") pid=\(e.pid) "
                    + "tgid=\(e.tgid.map(String.init) ?? "nil") cpu=\(e.cpu) ts=\(e.timestamp) counter=\(e.isCounterClock) "
                    + "system=\(e.system?.string ?? "nil") name=\(e.name.string) payload=\(e.payload.string) execution=\(e.execution)"
            case .kernelFrame(let f): return "kernelFrame \(f.string)"
            case .perfFrame(let f): return "perfFrame \(f.string)"
            case let other: return "\(other)"
            }
        }
    }

    /// True when the fixed-layout parse accepts `line`.
    static func takesFixedPath(_ line: String) -> Bool {
        var bytes = Array(line.utf8)
        bytes.append(0)
        return bytes.withUnsafeBufferPointer { buf in
            let span = ByteSpan(buf.baseAddress!, buf.count - 1)
            var e = EventLine(name: span.slice(0, 0), payload: span.slice(0, 0))
            return LineClassifier.fixedPrefix(span, &e) != nil
        }
    }

    /// The irq-info flags' hard/softirq column gives the execution context, on both paths.
    @Test func irqFlagsGiveTheExecutionContext() {
        let cases: [(String, String)] = [
            ("        workload-252     [001] d.h..     3.949745: dma_unmap_sg: 0000:00:03.0 dir=FROM_DEVICE phys_addrs={0x1000} attrs=", "hardirq"),
            ("          <idle>-0       [001] d.h1.     3.949561: unmap: IOMMU: iova=0x00000000fff60000 - 0x00000000fff7e000 size=122880 unmapped_size=122880", "hardirq"),
            ("        workload-255     [000] d.H1.     4.119754: dma_unmap_page: 0000:00:03.0 dir=TO_DEVICE dma_addr=ffe80140 size=131072 attrs=", "hardirq"),
            ("     ksoftirqd/0-14      [000] ..s1.     5.000000: dma_unmap_sg: 0000:00:03.0 dir=FROM_DEVICE phys_addrs={0x1000} attrs=", "softirq"),
            ("        workload-252     [001] .....     3.949664: dma_map_sg: 0000:00:03.0 dir=FROM_DEVICE dma_addrs={0x1000} sizes={0x200} phys_addrs={0x1000} attrs=", "task"),
            ("        workload-252     [001]     3.949664: dma_map_sg: 0000:00:03.0 dir=FROM_DEVICE dma_addrs={0x1000} sizes={0x200} phys_addrs={0x1000} attrs=", "task"),
            ("        workload-252     [001] d.z1.     3.949664: dma_map_sg: 0000:00:03.0 dir=FROM_DEVICE dma_addrs={0x1000} sizes={0x200} phys_addrs={0x1000} attrs=", "nmi"),
        ]
        for (line, expected) in cases {
            let fixed = Self.describe(line, fixedLayout: true), general = Self.describe(line, fixedLayout: false)
            #expect(fixed.hasSuffix("execution=\(expected)"), "\(line): \(fixed)")
            #expect(fixed == general)
        }
    }

    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    @Test(arguments: ["ftrace-default.txt", "ftrace-noirqinfo.txt", "ftrace-monoraw.txt", "ftrace-tgid.txt",
                      "ftrace-tsc.txt", "ftrace-latency.txt", "ftrace-raw.txt", "ftrace-stacktrace.txt",
                      "tracecmd-report.txt", "perf-script-g.txt", "perf-script-fields.txt"])
    func realFramingLinesClassifyTheSameOnBothPaths(_ name: String) throws {
        for line in try Self.lines(IngestFixtures.framing(name)) {
            #expect(Self.describe(line, fixedLayout: true) == Self.describe(line, fixedLayout: false), "\(name): \(line)")
        }
    }

    @Test func commonLayoutsTakeTheFixedPath() throws {
        let ftrace = try Self.lines(IngestFixtures.framing("ftrace-default.txt")).filter { !$0.hasPrefix("#") && !$0.isEmpty }
        let report = try Self.lines(IngestFixtures.framing("tracecmd-report.txt")).filter { $0.contains("]   ") }
        #expect(!ftrace.isEmpty && ftrace.allSatisfy(Self.takesFixedPath))
        #expect(!report.isEmpty && report.allSatisfy(Self.takesFixedPath))
        #expect(Self.describe("    kworker/2:1H-231     [002] d.h1. 12345.000066: map: IOMMU: x", fixedLayout: true)
                == "event comm=kworker/2:1H instance=nil pid=231 tgid=nil cpu=2 ts=12345000066000 counter=false system=nil name=map payload=IOMMU: x execution=hardirq")
    }

    /// Near misses of the layout (each edit below moves a line off it or changes
    /// its meaning) and every cut of the line: same class and parts on both paths.
    @Test func nearMissesAndCutLinesClassifyTheSameOnBothPaths() {
        let line = "    kworker/2:1H-231     [002] ..... 12345.000066: dma_map_phys: 0000:01:00.0 dir=TO_DEVICE dma_addr=ffff5c00 size=512 phys_addr=3eb133cc00 attrs="
        let edits: [(String, String)] = [
            ("kworker", "kw[ab]"), ("kworker", "kw[12]"), ("kworker/2:1H", "kw ork"), ("    kworker", "\tkworker"),
            ("-231 ", "-1234567890 "), ("-231 ", "-2147483648 "), ("-231 ", "-"), ("-231", "--231"), ("-231", "-23a"),
            ("..... ", ".... "), ("..... ", ""), ("..... ", ":.... "), ("..... ", "....: "), ("..... ", "1.2345: "),
            ("12345.", "1234567890123."), ("12345.", "12345678901234567890."), ("12345.000", "12345.000000"),
            ("12345.000", "12345.0"), ("12345.", "12345"), ("066: ", "066 : "), ("066: ", "066:"), ("[002]", "[0002]"),
            ("[002]", "[00002]"), ("[002]", "[]"), ("[002]", "[0x2]"), ("] ", "]"), ("[002]", "(   123) [002]"),
            ("    kworker", "trace.dat: kworker"), ("dma_map_phys:", "<stack trace>"), ("dma_map_phys:", "dma:dma_map_phys:"),
            ("dma_map_phys: ", "dma_map_phys:  "), ("12345.", " 12345."), ("..... ", "..... 12345.000001 "),
            ("000066", "00a066"), ("000066", "00/066"), ("000066", "0000:6"), ("000066", "99999\u{7F}"), ("000066", "999999"),
            ("-231     [", "-231 [ "), ("-231     [", "-231[ "), ("-231     [", "-231        ["),
        ]
        var variants = edits.map { line.replacingOccurrences(of: $0.0, with: $0.1) } + [line + "\r", line.trimmingCharacters(in: .whitespaces)]
        variants += (0..<line.utf8.count).map { String(line.utf8.prefix($0))! }
        for v in variants {
            #expect(Self.describe(v, fixedLayout: true) == Self.describe(v, fixedLayout: false), "\(v)")
        }
    }
}
