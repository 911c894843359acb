/// The evolving state of a generated trace: clock, tasks, live mappings, IOVA space.
///
/// Leaky driver (`leakPercent` > 0): that share of the scatter-gather and single maps is never
/// unmapped. Their IOVA ranges stay allocated to the end, so the allocator steps over them
/// (``IOVASpace``), and their dma-direct pages are never handed out again while live, so the
/// trace shows no overlap a real kernel would not make. With `leakPercent` 0 no extra random
/// number is drawn: the bytes are those of a generator without the option.
struct GeneratorState {
    private struct Task {
        var comm: [UInt8]
        var pid: UInt64
        var cpu: UInt64
    }

    private struct Device {
        var name: [UInt8]
        var behindIOMMU: Bool
    }

    private struct SGMapping {
        var device: Int
        var dir: Int
        var phys: [UInt64]
        var lengths: [UInt64]
        var dma: [UInt64]
        var dmaLengths: [UInt64]
        var iova: UInt64
        var iovaSize: UInt64
    }

    private struct SingleMapping {
        var device: Int
        var dir: Int
        var dma: UInt64
        var size: UInt64
    }

    private static let tasks: [Task] = [
        Task(comm: Array("kworker/2:1H".utf8), pid: 231, cpu: 2),
        Task(comm: Array("fio".utf8), pid: 4021, cpu: 1),
        Task(comm: Array("irq/45-nvme0q1".utf8), pid: 812, cpu: 0),
        Task(comm: Array("<idle>".utf8), pid: 0, cpu: 3),
        Task(comm: Array("napi/eth0-8193".utf8), pid: 1102, cpu: 3),
    ]
    private static let devices: [Device] = [
        Device(name: Array("0000:01:00.0".utf8), behindIOMMU: true),
        Device(name: Array("0000:00:1f.2".utf8), behindIOMMU: false),
        Device(name: Array("0000:3b:00.0".utf8), behindIOMMU: true),
    ]
    private static let directions: [StaticString] = ["BIDIRECTIONAL", "TO_DEVICE", "FROM_DEVICE"]
    private static let stackFrames: [StaticString] = [
        "__dma_map_sg_attrs+0x9c/0x1d0", "dma_map_sgtable+0x1e/0x40", "nvme_map_data+0x1a5/0x8a0 [nvme]",
        "nvme_queue_rq+0x83/0x210 [nvme]", "blk_mq_dispatch_rq_list+0x168/0x7e0", "__blk_mq_sched_dispatch_requests+0x3a1/0x5e0",
        "blk_mq_sched_dispatch_requests+0x2d/0x70", "blk_mq_run_hw_queue+0x27c/0x300", "blk_finish_plug+0x23/0x40",
        "ahci_qc_prep+0x4f/0x1a0 [libahci]", "ata_qc_issue+0x10e/0x280 [libata]", "e1000e_xmit_frame+0x5a1/0xe80 [e1000e]",
    ]

    var summary = TraceGenerator.Summary()
    private var rng: SplitMix64
    private let w: TextWriter
    private var clock: UInt64 = 12_345_000_000 // microseconds
    private var liveSG: [SGMapping] = []
    private var liveSingle: [SingleMapping] = []
    private var iova = IOVASpace()
    /// Per million (`leakPercent` × 10 000); 0 draws nothing.
    private let leakPerMillion: UInt64
    /// Pages (`phys >> 12`) of the leaked dma-direct mappings, live to the end.
    private var leakedDirectPages = Set<UInt64>()

    init(seed: UInt64, leakPercent: Double = 0, writer: TextWriter) {
        rng = SplitMix64(state: seed)
        w = writer
        leakPerMillion = UInt64((min(max(leakPercent, 0), 100) * 10_000).rounded())
    }

    /// Whether the mapping about to be made is one the driver will never unmap.
    private mutating func leaks() -> Bool {
        leakPerMillion > 0 && rng.below(1_000_000) < leakPerMillion
    }

    /// Mappings still live at the end: in flight, and leaked (counted in ``TraceGenerator/Summary/leaked``).
    mutating func finish() {
        summary.inFlightAtEnd = liveSG.count + liveSingle.count
    }

    mutating func header() throws {
        let lines: [StaticString] = [
            "# tracer: nop", "#", "# entries-in-buffer/entries-written: 0/0   #P:4", "#",
            "#                                _-----=> irqs-off/BH-disabled",
            "#                               / _----=> need-resched",
            "#                              | / _---=> hardirq/softirq",
            "#                              || / _--=> preempt-depth",
            "#                              ||| / _-=> migrate-disable",
            "#                              |||| /     delay",
            "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION",
            "#              | |         |   |||||     |         |",
        ]
        for l in lines {
            try w.beginLine()
            w.text(l)
            w.byte(0x0A)
        }
        summary.lines += lines.count
        summary.headerLines += lines.count
    }

    mutating func step() throws {
        clock += 1 + rng.below(150)
        let r = rng.below(100)
        switch r {
        case 0..<28: try mapSG()
        case 28..<52: if liveSG.isEmpty { try mapSG() } else { try unmapSG() }
        case 52..<64: try mapPhys()
        case 64..<76: if liveSingle.isEmpty { try mapPhys() } else { try unmapPhys() }
        case 76..<82: try sync()
        default: try schedNoise()
        }
        if rng.below(2000) == 0 {
            try w.beginLine()
            let n = 1 + rng.below(5000)
            w.text("CPU:")
            w.decimal(rng.below(4))
            w.text(" [LOST ")
            w.decimal(n)
            w.text(" EVENTS]\n")
            summary.lines += 1
            summary.headerLines += 1
            summary.lostMarkers += 1
            summary.lostEvents += n
        }
    }

    // MARK: - Line pieces

    /// `<comm right-aligned 16>-<pid left 7> [cpu] flags secs.usecs: `
    private mutating func prefix(_ task: Task, flags: StaticString = ".....") {
        if task.comm.count < 16 { for _ in 0..<(16 - task.comm.count) { w.byte(0x20) } }
        w.bytes(task.comm)
        w.byte(0x2D)
        let pidStart = w.bytesWritten
        w.decimal(task.pid)
        let pidWidth = Int(w.bytesWritten - pidStart)
        if pidWidth < 7 { for _ in 0..<(7 - pidWidth) { w.byte(0x20) } }
        w.text(" [")
        w.decimal(task.cpu, width: 3, zeroPad: true)
        w.text("] ")
        w.text(flags)
        w.byte(0x20)
        w.decimal(clock / 1_000_000, width: 5)
        w.byte(0x2E)
        w.decimal(clock % 1_000_000, width: 6, zeroPad: true)
        w.text(": ")
    }

    private mutating func task() -> Task { GeneratorState.tasks[Int(rng.below(UInt64(GeneratorState.tasks.count)))] }

    private mutating func attrs() {
        w.text(" attrs=")
        let r = rng.below(100)
        if r < 8 { w.text("SKIP_CPU_SYNC") } else if r < 10 { w.text("WEAK_ORDERING|SKIP_CPU_SYNC") }
    }

    private mutating func eventLine() {
        w.byte(0x0A)
        summary.lines += 1
        summary.dmaEvents += 1
    }

    private mutating func maybeStack(_ t: Task) throws {
        guard rng.below(20) == 0 else { return }
        try w.beginLine()
        prefix(t)
        w.text("<stack trace>\n")
        summary.lines += 1
        summary.headerLines += 1
        let depth = 4 + Int(rng.below(6))
        let start = Int(rng.below(UInt64(GeneratorState.stackFrames.count - depth)))
        for f in GeneratorState.stackFrames[start..<(start + depth)] {
            try w.beginLine()
            w.text(" => ")
            w.text(f)
            w.byte(0x0A)
        }
        summary.lines += depth
        summary.stackLines += depth
    }

    /// A random page frame for a buffer; on the dma-direct device never one of a leaked
    /// mapping (its memory is still mapped).
    private mutating func page(direct: Bool) -> UInt64 {
        var frame = 0x100000 + rng.below(0x3F00000)
        while direct && leakedDirectPages.contains(frame) { frame = 0x100000 + rng.below(0x3F00000) }
        return frame << 12
    }

    /// `NAME: IOMMU: iova=0x… - 0x…`, how both iommu lines begin.
    private mutating func iommuLine(_ t: Task, _ name: StaticString, iova: UInt64, size: UInt64) throws {
        try w.beginLine()
        prefix(t)
        w.text(name)
        w.text(": IOMMU: iova=")
        w.hex16(iova)
        w.text(" - ")
        w.hex16(iova + size)
    }

    private mutating func iommuMap(_ t: Task, iova: UInt64, paddr: UInt64, size: UInt64) throws {
        try iommuLine(t, "map", iova: iova, size: size)
        w.text(" paddr=")
        w.hex16(paddr)
        w.text(" size=")
        w.decimal(size)
        eventLine()
        summary.iommuMaps += 1
    }

    private mutating func iommuUnmap(_ t: Task, iova: UInt64, size: UInt64) throws {
        try iommuLine(t, "unmap", iova: iova, size: size)
        w.text(" size=")
        w.decimal(size)
        w.text(" unmapped_size=")
        w.decimal(size)
        eventLine()
        summary.iommuUnmaps += 1
    }

    // MARK: - Events

    private mutating func mapSG() throws {
        let leaked = leaks()
        let t = task()
        let device = rng.below(10) < 6 ? 0 : 1
        let direct = !GeneratorState.devices[device].behindIOMMU
        let big = rng.below(50) == 0
        let n = big ? 129 + Int(rng.below(172)) : 1 + Int(rng.below(8))
        let dir = Int(rng.below(3))
        var phys: [UInt64] = []
        var lengths: [UInt64] = []
        phys.reserveCapacity(n)
        lengths.reserveCapacity(n)
        let firstOffset = n == 1 ? rng.below(8) * 0x200 : rng.below(8) * 0x200
        for i in 0..<n {
            let frame = page(direct: direct)
            let off = i == 0 ? firstOffset : 0
            let len = i == n - 1 ? (1 + rng.below(8)) * 0x200 : 0x1000 - off
            phys.append(frame + off)
            lengths.append(min(len, 0x1000 - off))
        }
        var m = SGMapping(device: device, dir: dir, phys: phys, lengths: lengths, dma: [], dmaLengths: [], iova: 0, iovaSize: 0)
        if GeneratorState.devices[device].behindIOMMU {
            // dma-iommu: one IOVA range, entries page-aligned inside it, merged into one segment.
            let total = lengths.reduce(0, +)
            let size = UInt64(n) * 0x1000
            m.iova = iova.allocate(size, leaked: leaked)
            m.iovaSize = size
            for i in 0..<n {
                try iommuMap(t, iova: m.iova + UInt64(i) * 0x1000, paddr: phys[i] & ~0xfff, size: 0x1000)
            }
            m.dma = [m.iova + firstOffset]
            m.dmaLengths = [total]
        } else {
            m.dma = phys
            m.dmaLengths = lengths
        }
        try dmaLine(t, "dma_map_sg: ", device: device, dir: dir)
        let shownN = min(n, 128), shownE = min(m.dma.count, 128)
        w.text(" nents=")
        w.decimal(UInt64(shownN))
        w.byte(0x2F)
        w.decimal(UInt64(n))
        w.text(" ents=")
        w.decimal(UInt64(shownE))
        w.byte(0x2F)
        w.decimal(UInt64(m.dma.count))
        if n > 128 || m.dma.count > 128 {
            w.text(" [TRUNCATED]")
            summary.truncatedMapSG += 1
        }
        w.text(" dma_addrs=")
        w.array(m.dma[0..<shownE])
        w.text(" sizes=")
        w.array(m.dmaLengths[0..<shownE])
        w.text(" phys_addrs=")
        w.array(phys[0..<shownN])
        attrs()
        eventLine()
        summary.mapSG += 1
        try maybeStack(t)
        if leaked {
            summary.leaked += 1
            if direct { for p in phys { leakedDirectPages.insert(p >> 12) } }
            return
        }
        liveSG.append(m)
        if liveSG.count > 256 { try unmapSG() }
    }

    private mutating func unmapSG() throws {
        let m = liveSG.removeFirst()
        let t = task()
        try dmaLine(t, flags: "..s1.", "dma_unmap_sg: ", device: m.device, dir: m.dir)
        w.text(" phys_addrs=")
        w.array(m.phys[...])
        attrs()
        eventLine()
        summary.unmapSG += 1
        if GeneratorState.devices[m.device].behindIOMMU {
            try iommuUnmap(t, iova: m.iova, size: m.iovaSize)
        }
    }

    private mutating func mapPhys() throws {
        let leaked = leaks()
        let t = task()
        let device = rng.below(2) == 0 ? 0 : 2
        let dir = Int(rng.below(3))
        let size = rng.below(4) == 0 ? 4096 : (1 + rng.below(8)) * 0x200
        let phys = page(direct: false) + rng.below(8) * 0x200
        let iova = iova.allocate(0x2000, leaked: leaked)
        let dma = iova + (phys & 0xfff)
        try iommuMap(t, iova: iova, paddr: phys & ~0xfff, size: 0x1000)
        try dmaLine(t, "dma_map_phys: ", device: device, dir: dir)
        w.text(" dma_addr=")
        w.hex(dma)
        w.text(" size=")
        w.decimal(size)
        w.text(" phys_addr=")
        w.hex(phys)
        attrs()
        eventLine()
        summary.mapPhys += 1
        try maybeStack(t)
        if leaked {
            summary.leaked += 1
            return
        }
        liveSingle.append(SingleMapping(device: device, dir: dir, dma: dma, size: size))
        if liveSingle.count > 256 { try unmapPhys() }
    }

    private mutating func unmapPhys() throws {
        let m = liveSingle.removeFirst()
        let t = task()
        try iommuUnmap(t, iova: m.dma & ~0xfff, size: 0x1000)
        try singleLine(t, flags: "d.h1.", "dma_unmap_phys: ", m)
        attrs()
        eventLine()
        summary.unmapPhys += 1
    }

    /// `<prefix>NAME: DEVICE dir=DIR`, how every dma line begins (`name` ends in `: `).
    private mutating func dmaLine(_ t: Task, flags: StaticString = ".....", _ name: StaticString, device: Int, dir: Int) throws {
        try w.beginLine()
        prefix(t, flags: flags)
        w.text(name)
        w.bytes(GeneratorState.devices[device].name)
        w.text(" dir=")
        w.text(GeneratorState.directions[dir])
    }

    /// `… NAME: DEVICE dir=DIR dma_addr=HEX size=N`, the single unmap and sync lines.
    private mutating func singleLine(_ t: Task, flags: StaticString = ".....", _ name: StaticString, _ m: SingleMapping) throws {
        try dmaLine(t, flags: flags, name, device: m.device, dir: m.dir)
        w.text(" dma_addr=")
        w.hex(m.dma)
        w.text(" size=")
        w.decimal(m.size)
    }

    private mutating func sync() throws {
        let t = task()
        if let m = liveSingle.last, rng.below(2) == 0 {
            try singleLine(t, "dma_sync_single_for_cpu: ", m)
            eventLine()
            summary.syncs += 1
        } else if let m = liveSG.last, m.phys.count <= 335 {
            // The arrays hold nents slots (sync events are never capped); past the mapped count
            // dma-iommu shows all-ones / 0. Above ~335 entries the event exceeds a ring-buffer
            // page and the kernel drops it without a marker, so none is written.
            let slots = m.phys.count
            var dma = Array(m.dma.prefix(slots))
            var lens = Array(m.dmaLengths.prefix(slots))
            while dma.count < slots { dma.append(UInt64.max); lens.append(0) }
            try dmaLine(t, "dma_sync_sg_for_device: ", device: m.device, dir: m.dir)
            w.text(" dma_addrs=")
            w.array(dma[...])
            w.text(" sizes=")
            w.array(lens[...])
            eventLine()
            summary.syncs += 1
        } else {
            try schedNoise()
        }
    }

    private mutating func schedNoise() throws {
        let t = task()
        let next = task()
        try w.beginLine()
        if rng.below(2) == 0 {
            prefix(t, flags: "d..2.")
            w.text("sched_switch: prev_comm=")
            w.bytes(t.comm == Array("<idle>".utf8) ? Array("swapper/3".utf8) : t.comm)
            w.text(" prev_pid=")
            w.decimal(t.pid)
            w.text(" prev_prio=120 prev_state=S ==> next_comm=")
            w.bytes(next.comm == Array("<idle>".utf8) ? Array("swapper/3".utf8) : next.comm)
            w.text(" next_pid=")
            w.decimal(next.pid)
            w.text(" next_prio=120\n")
        } else {
            prefix(t, flags: "dNs5.")
            w.text("sched_wakeup: comm=")
            w.bytes(next.comm)
            w.text(" pid=")
            w.decimal(next.pid)
            w.text(" prio=120 target_cpu=")
            w.decimal(next.cpu, width: 3, zeroPad: true)
            w.byte(0x0A)
        }
        summary.lines += 1
        summary.otherEvents += 1
    }
}
