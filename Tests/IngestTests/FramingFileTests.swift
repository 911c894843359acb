import Foundation
import Testing
@testable import SGIngest

/// Every real 6.18 framing file, read as-is: exact accounting per file
/// (counted once by hand from the files and pinned here).
@Suite struct FramingFileTests {
    struct Expected: Sendable, CustomStringConvertible {
        var file: String
        var lines: Int, used: Int, other: Int, header: Int, stack: Int, malformed: Int
        var lostEvents: UInt64 = 0, lostMarkers: Int = 0
        var description: String { file }
    }

    static let expected: [Expected] = [
        Expected(file: "ftrace-default.txt", lines: 103, used: 0, other: 91, header: 12, stack: 0, malformed: 0),
        Expected(file: "ftrace-latency.txt", lines: 61, used: 0, other: 43, header: 18, stack: 0, malformed: 0),
        Expected(file: "ftrace-monoraw.txt", lines: 52, used: 0, other: 40, header: 12, stack: 0, malformed: 0),
        Expected(file: "ftrace-noirqinfo.txt", lines: 51, used: 0, other: 45, header: 6, stack: 0, malformed: 0),
        // 493/1133 in the header: 640 events overwritten; one `##### CPU 0 buffer started ####`.
        Expected(file: "ftrace-overrun.txt", lines: 506, used: 0, other: 493, header: 13, stack: 0, malformed: 0,
                 lostEvents: 640, lostMarkers: 1),
        Expected(file: "ftrace-pipe-lost.txt.xz", lines: 273_770, used: 0, other: 273_768, header: 2, stack: 0, malformed: 0,
                 lostEvents: 580 + 2549, lostMarkers: 2),
        Expected(file: "ftrace-raw.txt", lines: 51, used: 0, other: 39, header: 12, stack: 0, malformed: 0),
        Expected(file: "ftrace-stack-symaddr.txt", lines: 854, used: 0, other: 62, header: 12 + 56, stack: 724, malformed: 0),
        Expected(file: "ftrace-stacktrace.txt", lines: 694, used: 0, other: 51, header: 12 + 45, stack: 586, malformed: 0),
        Expected(file: "ftrace-tgid.txt", lines: 70, used: 0, other: 58, header: 12, stack: 0, malformed: 0),
        Expected(file: "ftrace-tsc.txt", lines: 67, used: 0, other: 55, header: 12, stack: 0, malformed: 0),
        Expected(file: "perf-script-fields.txt", lines: 2, used: 0, other: 2, header: 0, stack: 0, malformed: 0),
        Expected(file: "perf-script-g-nokallsyms.txt", lines: 35, used: 0, other: 2, header: 2, stack: 31, malformed: 0),
        Expected(file: "perf-script-g.txt", lines: 35, used: 0, other: 2, header: 2, stack: 31, malformed: 0),
        Expected(file: "tracecmd-report.txt", lines: 47, used: 0, other: 46, header: 1, stack: 0, malformed: 0),
    ]

    @Test(arguments: expected)
    func accountingIsExact(_ e: Expected) throws {
        let (_, a) = try IngestFixtures.read([IngestFixtures.framing(e.file)])
        #expect(a.lines == e.lines)
        #expect(a.eventsUsed == e.used)
        #expect(a.eventsOther == e.other)
        #expect(a.headerLines == e.header)
        #expect(a.stackLines == e.stack)
        #expect(a.malformed == e.malformed, "\(a.malformedLines.prefix(3))")
        #expect(a.lostEvents == e.lostEvents)
        #expect(a.lostMarkers == e.lostMarkers)
        #expect(a.reconciles)
        #expect(!a.damaged)
    }

    @Test func overrunFileYieldsOverwriteAndBufferStarted() throws {
        let (records, a) = try IngestFixtures.read([IngestFixtures.framing("ftrace-overrun.txt")])
        #expect(records.count == 2)
        #expect(records[0] == TraceRecord(fileIndex: 0, line: 3, kind: .lost(cpu: nil, count: 640)))
        #expect(records[1] == TraceRecord(fileIndex: 0, line: 31, kind: .bufferStarted(cpu: 0)))
        #expect(a.notes.count == 1)
    }

    @Test func pipeLostMarkersKeepCPUAndCount() throws {
        let (records, _) = try IngestFixtures.read([IngestFixtures.framing("ftrace-pipe-lost.txt.xz")])
        #expect(records == [
            TraceRecord(fileIndex: 0, line: 32336, kind: .lost(cpu: 0, count: 580)),
            TraceRecord(fileIndex: 0, line: 32525, kind: .lost(cpu: 1, count: 2549)),
        ])
    }

    @Test(arguments: ["perf.data"])
    func binaryFilesAreRefusedWithAConversionHint(_ name: String) throws {
        let path = IngestFixtures.framing(name)
        var delivered = 0
        do {
            _ = try TraceReader(inputs: [path]).read { _ in delivered += 1 }
            Issue.record("binary file was accepted")
        } catch let IngestError.unreadable(p, reason) {
            #expect(p == path)
            let command = name == "perf.data" ? "perf script -i \(path)" : "trace-cmd report -i \(path)"
            #expect(reason.contains(command), "\(reason)")
        }
        #expect(delivered == 0)
    }

    /// The real framings with their `sched_switch` payloads swapped for a DMA
    /// payload: the context of every framing decodes, and stacks attach.
    static let dmaPayload = "dma_unmap_phys: 0000:01:00.0 dir=TO_DEVICE dma_addr=fffff560 size=512 attrs="

    static func withDMAEvents(_ file: String) throws -> String {
        let text = try String(contentsOfFile: IngestFixtures.framing(file), encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard let r = line.range(of: "sched_switch:") else { return String(line) }
            var head = line[..<r.lowerBound]
            if head.hasSuffix("sched:") { head = head.dropLast(6) + "dma:" }
            return head + dmaPayload
        }.joined(separator: "\n")
    }

    struct Context: Sendable, CustomStringConvertible {
        var file: String, switches: Int
        var comm: String, pid: Int32, tgid: Int32?, cpu: Int32, timestamp: UInt64, counter: Bool
        var description: String { file }
    }

    static let contexts: [Context] = [
        Context(file: "ftrace-default.txt", switches: 48, comm: "bash", pid: 3431, tgid: nil, cpu: 1, timestamp: 909_251_713_000, counter: false),
        Context(file: "ftrace-latency.txt", switches: 28, comm: "bash", pid: 3453, tgid: nil, cpu: 0, timestamp: 28_525_000, counter: false),
        Context(file: "ftrace-noirqinfo.txt", switches: 28, comm: "bash", pid: 3453, tgid: nil, cpu: 1, timestamp: 916_099_542_000, counter: false),
        Context(file: "ftrace-tgid.txt", switches: 35, comm: "bash", pid: 3453, tgid: 3453, cpu: 1, timestamp: 915_415_614_000, counter: false),
        Context(file: "ftrace-tsc.txt", switches: 35, comm: "bash", pid: 3453, tgid: nil, cpu: 0, timestamp: 2_382_980_030_780, counter: true),
        Context(file: "ftrace-overrun.txt", switches: 74, comm: "ls", pid: 3768, tgid: nil, cpu: 1, timestamp: 953_210_918_000, counter: false),
        Context(file: "tracecmd-report.txt", switches: 28, comm: "bash", pid: 3682, tgid: nil, cpu: 0, timestamp: 937_603_654_000, counter: false),
        Context(file: "perf-script-fields.txt", switches: 2, comm: "sleep", pid: 3597, tgid: 3597, cpu: 1, timestamp: 927_845_455_000, counter: false),
        Context(file: "perf-script-g.txt", switches: 2, comm: "sleep", pid: 3597, tgid: nil, cpu: 1, timestamp: 927_845_455_000, counter: false),
    ]

    @Test(arguments: contexts)
    func everyFramingDecodesTheContext(_ c: Context) throws {
        let (records, a) = try IngestFixtures.read(text: try Self.withDMAEvents(c.file))
        #expect(a.eventsUsed == c.switches)
        #expect(a.malformed == 0, "\(a.malformedLines.prefix(3))")
        #expect(a.reconciles)
        let first = try #require(IngestFixtures.events(records).first)
        #expect(first.context == EventContext(comm: c.comm, pid: c.pid, tgid: c.tgid, cpu: c.cpu,
                                              timestamp: c.timestamp, isCounterClock: c.counter))
        #expect(first.payload == .unmapSingle(UnmapSingleEvent(api: .phys, device: "0000:01:00.0", direction: .toDevice,
                                                               dmaAddress: 0xfffff560, size: 512)))
    }

    @Test func specialCommsDecode() throws {
        let events = IngestFixtures.events(try IngestFixtures.read(text: try Self.withDMAEvents("ftrace-tgid.txt")).records)
        let idle = try #require(events.first { $0.context.comm == "<idle>" })
        #expect(idle.context.pid == 0 && idle.context.tgid == nil && idle.context.cpu == 0)
        let memfd = try #require(events.first { $0.context.pid == 1700 })
        #expect(memfd.context.comm == "memfd:sealed-91")
        #expect(memfd.context.tgid == 1700)
        let latency = IngestFixtures.events(try IngestFixtures.read(text: try Self.withDMAEvents("ftrace-latency.txt")).records)
        #expect(latency.contains { $0.context.comm == "rcu_pree" && $0.context.pid == 15 && $0.context.timestamp == 39_952_000 })
        #expect(latency.contains { $0.context.comm == "<idle>" && $0.context.timestamp == 39_942_000 }) // blank delay mark
    }

    @Test func stacksAttachInRealFramings() throws {
        for (file, frames) in [("ftrace-stack-symaddr.txt", 368), ("ftrace-stacktrace.txt", 292), ("perf-script-g.txt", 31)] {
            let (records, a) = try IngestFixtures.read(text: try Self.withDMAEvents(file))
            let events = IngestFixtures.events(records)
            #expect(events.reduce(0) { $0 + $1.stack.count } == frames, "\(file)")
            #expect(a.reconciles)
        }
        let symaddr = IngestFixtures.events(try IngestFixtures.read(text: try Self.withDMAEvents("ftrace-stack-symaddr.txt")).records)
        let first = try #require(symaddr.first)
        #expect(first.stack.count == 8)
        #expect(first.stack[0] == StackFrame(address: 0xffffffff813a03c5, symbol: "trace_event_raw_event_sched_switch"))
        #expect(first.stack[7] == StackFrame(address: 0xffffffff81000130, symbol: "entry_SYSCALL_64_after_hwframe"))
        let perf = IngestFixtures.events(try IngestFixtures.read(text: try Self.withDMAEvents("perf-script-g.txt")).records)
        let p = try #require(perf.first)
        #expect(p.stack.count == 20)
        #expect(p.stack[0] == StackFrame(address: 0xffffffff81399b71, symbol: "__traceiter_sched_switch", offset: 0x41, module: "kernel.kallsyms"))
        #expect(p.stack[19] == StackFrame(address: 0x7f588b2f2ad7, symbol: nil, offset: nil, module: nil))
        let perf2 = try #require(perf.last)
        #expect(perf2.stack[9] == StackFrame(address: 0xcf503, symbol: "clock_nanosleep@GLIBC_2.2.5", offset: 0x23,
                                             module: "/usr/lib/x86_64-linux-gnu/libc.so.6"))
        let nokallsyms = IngestFixtures.events(try IngestFixtures.read(text: try Self.withDMAEvents("perf-script-g-nokallsyms.txt")).records)
        #expect(nokallsyms.first?.stack.first == StackFrame(address: 0xffffffff81399b71, module: "kernel.kallsyms"))
    }
}
