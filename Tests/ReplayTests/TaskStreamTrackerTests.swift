import SGIngest
import Testing
@testable import SGReplay

/// The per-stream pending state between a DMA call and its iommu/swiotlb events.
@Suite struct TaskStreamTrackerTests {
    static func run(_ iova: UInt64) -> IOMMUMapEvent {
        IOMMUMapEvent(iova: iova, physAddress: 0x1000, size: 0x1000)
    }

    @Test func stateSurvivesBetweenEventsOfAStreamOnly() {
        var t = TaskStreamTracker()
        let a = CPUTask(cpu: 1, pid: 100, execution: .task)
        let irq = CPUTask(cpu: 1, pid: 100, execution: .hardirq)
        var x = t.take(a)
        #expect(x.pending.isEmpty)
        x.pending.runs.append(Self.run(0xf000))
        t.put(x)
        #expect(t.count == 1)
        // An interrupt on the same CPU prints the same pid: another stream.
        #expect(t.take(irq).pending.isEmpty)
        var again = t.take(a)
        #expect(again.pending.runs.map(\.iova) == [0xf000])
        #expect(t.count == 0)
        again.pending.runs = []
        t.put(again)
        #expect(t.count == 0)
        #expect(t.take(a).pending.isEmpty)
    }

    /// Streams that went idle are forgotten once they outnumber the busy ones: the table
    /// follows the streams in flight, not every pid a long trace saw.
    @Test func idleStreamsDoNotAccumulate() {
        var t = TaskStreamTracker()
        for pid in 0..<50_000 {
            let task = CPUTask(cpu: 0, pid: Int32(pid), execution: .task)
            var x = t.take(task)
            x.pending.lastUnmap = .init(device: "d", reportedDouble: false, sequence: pid)
            t.put(x)
            var y = t.take(task)
            y.pending.lastUnmap = nil
            t.put(y)
        }
        #expect(t.count == 0)
        #expect(t.tableSize <= 2048)
    }

    @Test func unmatchedIOMMUUnmapsDrainInTraceOrder() {
        var t = TaskStreamTracker()
        for (pid, sequence) in [(7, 30), (8, 10), (9, 20)] {
            var x = t.take(CPUTask(cpu: 0, pid: Int32(pid), execution: .task))
            let ref = EventReference(fileIndex: 0, file: "t", line: sequence, time: 0, cpu: 0, pid: Int32(pid), sequence: sequence, event: "iommu:unmap")
            x.pending.iommuUnmap = (IOMMUUnmapEvent(iova: 0x1000, size: 0x1000, unmappedSize: 0), ref)
            t.put(x)
        }
        #expect(t.drainUnmatchedIOMMUUnmaps().map(\.at.sequence) == [10, 20, 30])
        #expect(t.count == 0)
        #expect(t.drainUnmatchedIOMMUUnmaps().isEmpty)
    }
}
