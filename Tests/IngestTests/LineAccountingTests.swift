import Foundation
import Testing
@testable import SGIngest

/// Malformed lines, markers, stack attachment and the accounting invariant.
@Suite struct LineAccountingTests {
    let p = IngestFixtures.prefix

    @Test func malformedLinesAreCountedWithPreciseReasonsAndNeverStopTheRead() throws {
        let text = [
            p + "dma_map_sg: 0000:01:00.0 dir=SIDEWAYS nents=1/1 ents=1/1 dma_addrs={0x1} sizes={0x2} phys_addrs={0x3} attrs=",
            p + "dma_map_sg: 0000:01:00.0 dir=TO_DEVICE nents=1/1 ents=1/1 dma_addrs={0x1} phys_addrs={0x3} attrs=",
            p + "dma_map_sg: 0000:01:00.0 dir=TO_DEVICE nents=2/2 ents=1/1 dma_addrs={0x1} sizes={0x2} phys_addrs={0x3} attrs=",
            p + "dma_map_sg: 0000:01:00.0 dir=TO_DEVICE nents=1/1 ents=1/1 dma_addrs={0x1,0x2} sizes={0x2} phys_addrs={0x3} attrs=",
            p + "dma_map_phys: 0000:01:00.0 dir=TO_DEVICE dma_addr=zz size=512 phys_addr=1 attrs=",
            p + "dma_unmap_phys: 0000:01:00.0 dir=TO_DEVICE dma_addr=1 size=512 attrs=BOGUS_FLAG",
            p + "dma_unmap_sg: 0000:01:00.0 dir=TO_DEVICE phys_addrs={0x1,oops} attrs=",
            "hello world",
            p + "sched_switch: anything at all [120] is fine here",
            p + "dma_unmap_phys: 0000:01:00.0 dir=TO_DEVICE dma_addr=1 size=512 attrs=",
        ].joined(separator: "\n")
        let (records, a) = try IngestFixtures.read(text: text)
        #expect(a.lines == 10 && a.malformed == 8 && a.eventsOther == 1 && a.eventsUsed == 1 && a.reconciles)
        #expect(IngestFixtures.events(records).count == 1)
        let reasons = a.malformedLines.map(\.reason)
        #expect(a.malformedLines.map(\.line) == Array(1...8))
        #expect(reasons[0] == "dma_map_sg: unknown direction dir=SIDEWAYS")
        #expect(reasons[1] == "dma_map_sg: missing sizes=")
        #expect(reasons[2] == "dma_map_sg: nents=2/2 but phys_addrs= has 1 values")
        #expect(reasons[3] == "dma_map_sg: dma_addrs= has 2 values but sizes= has 1")
        #expect(reasons[4] == "dma_map_phys: bad number dma_addr=zz")
        #expect(reasons[5] == "dma_unmap_phys: unknown attrs flag BOGUS_FLAG")
        #expect(reasons[6].hasPrefix("dma_unmap_sg: bad array phys_addrs="))
        #expect(reasons[7].hasPrefix("unrecognised line"))
        #expect(a.malformedLines.allSatisfy { $0.file.hasSuffix(".txt") })
    }

    @Test func sameNamedEventsOfOtherSubsystemsAreOther() throws {
        let text = [
            "         kworker  3597/3597  [001]   927.845455: xen:map: something=1",
            "         kworker  3597/3597  [001]   927.845456: iommu:map: IOMMU: iova=0x0000000000001000 - 0x0000000000002000 paddr=0x0000000000003000 size=4096",
            p + "unmap: vma=0xffff0000 start=0x1000",
            p + "unmap: IOMMU: iova=0x0000000000001000 - 0x0000000000002000 size=4096 unmapped_size=4096",
        ].joined(separator: "\n")
        let (records, a) = try IngestFixtures.read(text: text)
        #expect(a.eventsOther == 2 && a.eventsUsed == 2 && a.malformed == 0)
        #expect(IngestFixtures.events(records).map(\.payload) == [
            .iommuMap(IOMMUMapEvent(iova: 0x1000, physAddress: 0x3000, size: 4096)),
            .iommuUnmap(IOMMUUnmapEvent(iova: 0x1000, size: 4096, unmappedSize: 4096)),
        ])
    }

    @Test func lostAndDroppedMarkersInEveryForm() throws {
        let text = """
        version = 6
        cpus=4
        CPU 2 is empty
        CPU:1 [LOST 12 EVENTS]
        CPU:0 [LOST EVENTS]
        CPU:2 [EVENTS DROPPED]
        CPU:3 [7 EVENTS DROPPED]
        ##### CPU 1 buffer started ####
        """
        let (records, a) = try IngestFixtures.read(text: text)
        #expect(records.map(\.kind) == [.lost(cpu: 1, count: 12), .lost(cpu: 0, count: nil), .lost(cpu: 2, count: nil),
                                        .lost(cpu: 3, count: 7), .bufferStarted(cpu: 1)])
        #expect(records.map(\.line) == [4, 5, 6, 7, 8])
        #expect(a.lostEvents == 19 && a.lostMarkers == 4 && a.headerLines == 8 && a.lines == 8 && a.reconciles)
    }

    @Test func stackFramesOfEveryShapeAttachToThePrecedingEvent() throws {
        let text = [
            p + "dma_map_phys: 0000:01:00.0 dir=TO_DEVICE dma_addr=fffff560 size=512 phys_addr=1234560 attrs=",
            "    kworker/2:1H-231     [002] ..... 12345.678905: <stack trace>",
            " => trace_event_raw_event_dma_map_phys",
            " => dma_map_phys <ffffffff8160a2b0>",
            " => nvme_queue_rq+0x618/0x1a60 [nvme]",
            " => 0xffffffffc0a1b2c3",
            " => blk_mq_dispatch_rq_list+0x10/0x20 <ffffffff81800010>",
            "    kworker/2:1H-231     [002] ..... 12345.678906: <user stack trace>",
            " => 0x7f0000001000",
            p + "sched_switch: prev_comm=x",
            " => __schedule",
            p + "dma_unmap_phys: 0000:01:00.0 dir=TO_DEVICE dma_addr=fffff560 size=512 attrs=",
        ].joined(separator: "\n")
        let (records, a) = try IngestFixtures.read(text: text)
        let events = IngestFixtures.events(records)
        #expect(events.count == 2)
        #expect(events[0].stack == [
            StackFrame(symbol: "trace_event_raw_event_dma_map_phys"),
            StackFrame(address: 0xffffffff8160a2b0, symbol: "dma_map_phys"),
            StackFrame(symbol: "nvme_queue_rq", offset: 0x618, module: "nvme"),
            StackFrame(address: 0xffffffffc0a1b2c3),
            StackFrame(address: 0xffffffff81800010, symbol: "blk_mq_dispatch_rq_list", offset: 0x10),
        ])
        #expect(events[1].stack.isEmpty) // the sched_switch's frame is not attached to anything
        #expect(records.map(\.line) == [1, 12])
        #expect(a.stackLines == 7 && a.headerLines == 2 && a.eventsOther == 1 && a.eventsUsed == 2 && a.lines == 12)
    }

    /// `trace-cmd report` (3.1) prints a stack as a `kernel_stack:   <stack trace >` record and
    /// frames `=> sym (addr)` at column 0. The lines below are real (`sgreplay record -s
    /// --events sched:sched_switch` on 6.18.44, then `trace-cmd report`), plus one dma_map_phys
    /// line in the same framing, whose stack the next block is.
    @Test func traceCmdReportStacksAttachToTheEventBefore() throws {
        let text = """
        cpus=2
          kworker/1:1H-231   [001] 21792.623190: dma_map_phys:         0000:01:00.0 dir=TO_DEVICE dma_addr=fffff560 size=512 phys_addr=1234560 attrs=
                sgreplay-3802  [001] 21792.623265: kernel_stack:         <stack trace >
        => trace_event_raw_event_sched_switch (ffffffff813a03c5)
        => __traceiter_sched_switch (ffffffff81399b71)
        => __schedule (ffffffff821f8b58)
        => schedule (ffffffff821f94c3)
        => exit_to_user_mode_loop (ffffffff81415441)
        => do_syscall_64 (ffffffff821ed6db)
        => entry_SYSCALL_64_after_hwframe (ffffffff81000130)
                sgreplay-3804  [001] 21792.623311: sched_switch:         sgreplay:3804 [120] S ==> sgreplay:3802 [120]
                sgreplay-3804  [001] 21792.623316: kernel_stack:         <stack trace >
        => trace_event_raw_event_sched_switch (ffffffff813a03c5)
        => __traceiter_sched_switch (ffffffff81399b71)
        => __schedule (ffffffff821f8b58)
        """
        let (records, a) = try IngestFixtures.read(text: text)
        #expect(a.malformed == 0, "\(a.malformedLines)")
        #expect(a.reconciles && a.lines == 15 && a.stackLines == 10 && a.headerLines == 3 && a.eventsUsed == 1 && a.eventsOther == 1, "\(a)")
        let events = IngestFixtures.events(records)
        #expect(events.count == 1)
        #expect(events.first?.stack.count == 7)
        #expect(events.first?.stack.first == StackFrame(address: 0xffffffff813a03c5, symbol: "trace_event_raw_event_sched_switch"))
        #expect(events.first?.stack.last == StackFrame(address: 0xffffffff81000130, symbol: "entry_SYSCALL_64_after_hwframe"))
    }

    @Test func lastLineWithoutNewlineAndCRLFCount() throws {
        let text = p + "dma_unmap_phys: 0000:01:00.0 dir=TO_DEVICE dma_addr=1 size=2 attrs=\r\n# header\r\n" + p + "dma_unmap_phys: 0000:01:00.0 dir=TO_DEVICE dma_addr=3 size=4 attrs="
        let (records, a) = try IngestFixtures.read(text: text)
        #expect(a.lines == 3 && a.eventsUsed == 2 && a.headerLines == 1 && a.reconciles)
        #expect(records.map(\.line) == [1, 3])
    }

    @Test func missingFileIsUnreadableBeforeAnythingIsDelivered() throws {
        let good = IngestFixtures.framing("ftrace-overrun.txt")
        let missing = "/nonexistent/trace.txt"
        var delivered = 0
        #expect(throws: IngestError.unreadable(path: missing, reason: "No such file or directory")) {
            _ = try TraceReader(inputs: [good, missing]).read { _ in delivered += 1 }
        }
        #expect(delivered == 0)
    }

    @Test func manyFilesAreIndexedInOrder() throws {
        let overrun = IngestFixtures.framing("ftrace-overrun.txt")
        let (records, a) = try IngestFixtures.read([overrun, IngestFixtures.framing("ftrace-default.txt"), overrun])
        #expect(records.map(\.fileIndex) == [0, 0, 2, 2])
        #expect(a.files.count == 3 && a.lines == 506 + 103 + 506 && a.lostEvents == 1280 && a.reconciles)
    }
}
