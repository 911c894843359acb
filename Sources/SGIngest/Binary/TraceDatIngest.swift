internal import CTraceCmd

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ingests one trace-cmd binary `trace.dat` (v6, v7, v7 with compressed sections)
/// through libtracecmd, taking every field as a raw value through the format file
/// the trace carries (libtraceevent's `tep_find_field` / `tep_read_number_field`;
/// dynamic arrays and strings through their `__data_loc` offset/length word).
/// Nothing goes through the text printer.
///
/// Records are merged over the CPUs by timestamp (ties: lower CPU first), as
/// `trace-cmd report` does. Accounting counts records instead of lines:
/// a used event, an other event, a lost-events marker (a page that lost events
/// before it: header), a record that does not decode (malformed), each counts as
/// one "line"; ``TraceRecord/line`` is the record's ordinal.
struct TraceDatIngest {
    let path: String
    /// The file libtracecmd opens: `path`, or a decompressed copy of it (``CompressedTraceDat``).
    var file: String
    let fileIndex: Int
    private(set) var accounting = InputAccounting()
    private var malformedRoom: Int
    /// CPUs whose pages held a record of an undefined event (reported once each).
    private var corruptCPUs: Set<Int> = []
    /// Task names by pid (the trace's saved cmdlines do not change while it is read).
    private var comms: [Int32: String] = [:]
    /// The last used event, held back until the next record: an `ftrace:kernel_stack` record of
    /// the same CPU right after it is its stack (as the ` => ` lines after an event in text).
    private var pending: TraceRecord?
    private var pendingCPU = -1
    /// Symbols of stack addresses from the trace's kallsyms, by address.
    private var frames: [UInt64: StackFrame] = [:]

    private mutating func attach(_ frames: [StackFrame], to held: TraceRecord) {
        guard case .event(let event) = held.kind, event.stack.isEmpty else { return }
        var withStack = event
        withStack.stack = frames
        var record = held
        record.kind = .event(withStack)
        pending = record
    }

    private mutating func flush(_ body: (TraceRecord) throws -> Void) throws {
        guard let record = pending else { return }
        pending = nil
        try body(record)
    }

    init(path: String, fileIndex: Int, malformedRoom: Int) {
        self.path = path
        self.file = path
        self.fileIndex = fileIndex
        self.malformedRoom = malformedRoom
        accounting.files = [path]
    }

    private mutating func malformed(_ reason: String) {
        accounting.malformed += 1
        if malformedRoom > 0 {
            malformedRoom -= 1
            accounting.malformedLines.append(MalformedLine(file: path, line: accounting.lines, reason: reason))
        }
    }

    /// The compressed stream around the file ended part-way: what it held was read.
    mutating func noteCompressionDamage(_ message: String) {
        damaged("\(message); the trace.dat decompressed from it ends there (the records before were read)")
    }

    private mutating func damaged(_ message: String) {
        accounting.damaged = true
        accounting.damage.append("\(path): \(message)")
    }

    /// Reads every record of the top-level buffer, delivering decoded events to `body`.
    mutating func run(strings: inout StringInterner, _ body: (TraceRecord) throws -> Void) throws {
        TraceDatLibrary.quiet()
        // Pages whose header claims more than a page crash libtraceevent's kbuffer: found first (v6).
        let pageCheck = TraceDatPageCheck.scan(path: file)
        if let first = pageCheck?.bad.values.filter({ $0.previousEnd == nil }).min(by: { $0.cpu < $1.cpu }) {
            damaged("CPU \(first.cpu)'s first page (file offset \(first.offset)) claims \(first.commit & 0x7FF_FFFF) bytes of data, more than a page: the page header is corrupt and libtracecmd cannot open the file past it; nothing of it was read")
            return
        }
        if !file.hasPrefix(TruncatedTraceDat.prefix), let check = pageCheck, let cut = check.cut,
           let copy = TruncatedTraceDat.pad(file, keeping: cut.wholePagesEnd, to: cut.claimedEnd) {
            // A truncated v6 file (libtracecmd would refuse it, and print to stdout on the way):
            // read a copy whose missing pages are empty.
            defer { unlink(copy) }
            let original = file
            file = copy
            try run(strings: &strings, body)
            file = original
            damaged("the file ends at byte \(check.fileSize), inside CPU \(cut.cpu)'s data (the flyrecord table claims \(cut.claimedEnd) bytes): truncated; the \(accounting.lines) records before the cut were read (CPU \(cut.cpu)'s last partial page and the CPUs after it are missing)")
            return
        }
        guard let handle = tracecmd_open_head(file, Int32(TRACECMD_FL_LOAD_NO_PLUGINS.rawValue)) else {
            damaged("libtracecmd could not read its headers (truncated or corrupt); nothing of it was read")
            return
        }
        guard tracecmd_init_data(handle) >= 0 else {
            // libtracecmd 3.1 refuses the whole file when a CPU's data ends past the end of the
            // file (v6), and crashes when such a half-initialised handle is closed: it is left open.
            damaged("libtracecmd could not open its event data (truncated or corrupt: libtracecmd 3.1 refuses the whole file when a CPU's data ends past the end of the file); nothing of it was read")
            return
        }
        defer { tracecmd_close(handle) }
        guard let tep = tracecmd_get_tep(handle) else {
            damaged("libtracecmd gave no event formats; nothing of it was read")
            return
        }
        let instances = tracecmd_buffer_instances(handle)
        if instances > 0 {
            accounting.notes.append("\(path): \(instances) buffer instance(s) besides the top-level buffer were not read (only the top-level buffer is)")
        }
        var layouts = TraceDatEventLayouts(tep: tep)
        let cpus = Int(tep_get_cpus(tep))
        // One current record per CPU; the smallest timestamp goes next.
        var heads = [UnsafeMutablePointer<tep_record>?](repeating: nil, count: cpus)
        defer { for r in heads { if let r { tracecmd_free_record(r) } } }
        for cpu in 0..<cpus { heads[cpu] = tracecmd_read_cpu_first(handle, Int32(cpu)) }
        while true {
            if InputInterruption.isRequested {
                accounting.interrupted = true
                accounting.interruptedBy = InputInterruption.signal
                break
            }
            var next = -1
            var nextTS: UInt64 = .max
            for cpu in 0..<cpus {
                if let r = heads[cpu], next < 0 || r.pointee.ts < nextTS {
                    next = cpu
                    nextTS = r.pointee.ts
                }
            }
            guard next >= 0, let record = heads[next] else { break }
            if let bad = pageCheck?.bad[next], let end = bad.previousEnd,
               Int(record.pointee.offset) + Int(record.pointee.record_size) >= end {
                // The next page is corrupt: this CPU ends here.
                heads[next] = nil
                damaged("CPU \(next): the page at file offset \(bad.offset) claims \(bad.commit & 0x7FF_FFFF) bytes of data, more than a page (corrupt page header); that CPU's records from there on were not read, the \(accounting.lines + 1) records before it (all CPUs) were")
            } else {
                heads[next] = tracecmd_read_data(handle, Int32(next))
            }
            defer { tracecmd_free_record(record) }
            try consume(record, cpu: next, tep: tep, layouts: &layouts, strings: &strings, body)
        }
        try flush(body)
    }

    private mutating func consume(_ record: UnsafeMutablePointer<tep_record>, cpu: Int, tep: OpaquePointer,
                                  layouts: inout TraceDatEventLayouts, strings: inout StringInterner,
                                  _ body: (TraceRecord) throws -> Void) throws {
        let missed = record.pointee.missed_events
        if missed != 0 {
            try flush(body)
            // The page this record starts lost events before it (-1: count unknown).
            accounting.lines += 1
            accounting.headerLines += 1
            accounting.lostMarkers += 1
            let count: UInt64? = missed > 0 ? UInt64(missed) : nil
            accounting.lostEvents += count ?? 0
            try body(TraceRecord(fileIndex: fileIndex, line: accounting.lines, kind: .lost(cpu: cpu, count: count)))
        }
        accounting.lines += 1
        let size = Int(record.pointee.size)
        guard let data = record.pointee.data, size >= 8 else {
            malformed("record of \(size) bytes on CPU \(cpu) is too short for an event header")
            return
        }
        let raw = UnsafeRawBufferPointer(start: data, count: size)
        let type = Int(tep_data_type(tep, record))
        guard let layout = layouts.layout(type) else {
            let reason = "record on CPU \(cpu) at file offset \(record.pointee.offset) has event id \(type), which the trace's formats do not define: its page is corrupt"
            malformed(reason)
            if !corruptCPUs.contains(cpu) {
                corruptCPUs.insert(cpu)
                damaged("\(reason); the CPU's other records are read as they come")
            }
            return
        }
        if let stack = layout.stack {
            accounting.stackLines += 1
            if pendingCPU == cpu, let held = pending {
                attach(stackFrames(raw, stack, tep: tep, strings: &strings), to: held)
            }
            try flush(body)
            return
        }
        try flush(body)
        guard let kind = layout.kind else {
            accounting.eventsOther += 1
            return
        }
        do {
            let payload = try TraceDatFields(tep: tep, data: raw, layout: layout).decode(kind, strings: &strings)
            let pid = Int32(truncatingIfNeeded: tep_data_pid(tep, record))
            let comm: String
            if let known = comms[pid] {
                comm = known
            } else {
                comm = TraceDatLibrary.comm(tep: tep, pid: pid, strings: &strings)
                comms[pid] = comm
            }
            let flags = tep_data_flags(tep, record)
            let context = EventContext(comm: comm, pid: pid, cpu: Int32(cpu), timestamp: record.pointee.ts,
                                       isCounterClock: false, execution: TraceDatLibrary.execution(flags: flags))
            accounting.eventsUsed += 1
            pending = TraceRecord(fileIndex: fileIndex, line: accounting.lines,
                                  kind: .event(TraceEvent(context: context, payload: payload)))
            pendingCPU = cpu
        } catch {
            malformed("\(kind.tracepoint): \(error.reason)")
        }
    }
}

extension TraceDatIngest {
    /// The frames of an `ftrace:kernel_stack` record (`size` entries of `caller[]`, which may run
    /// past the format's nominal 8), innermost first, named from the trace's kallsyms.
    fileprivate mutating func stackFrames(_ data: UnsafeRawBufferPointer, _ layout: DatStackLayout, tep: OpaquePointer,
                                          strings: inout StringInterner) -> [StackFrame] {
        var n = 0
        var value: UInt64 = 0
        if let size = layout.size, tep_read_number_field(size, data.baseAddress, &value) == 0 {
            n = Int(Int32(truncatingIfNeeded: value))
        }
        let at = Int(layout.caller.pointee.offset)
        let word = 8
        guard at >= 0, at <= data.count else { return [] }
        n = max(0, min(n, (data.count - at) / word))
        var out: [StackFrame] = []
        out.reserveCapacity(n)
        for i in 0..<n {
            let address = tep_read_number(tep, data.baseAddress! + at + i * word, Int32(word))
            if address == 0 || address == UInt64.max { break }
            if let known = frames[address] { out.append(known); continue }
            var name: UnsafePointer<CChar>? = nil
            var start: UInt64 = 0
            var length: UInt = 0
            var frame = StackFrame(address: address)
            if tep_find_function_info(tep, address, &name, &start, &length) != 0, let name, address >= start {
                let n = strlen(name)
                frame.symbol = name.withMemoryRebound(to: UInt8.self, capacity: n) { strings.intern(ByteSpan($0, n)) }
                frame.offset = address - start
            }
            frames[address] = frame
            out.append(frame)
        }
        return out
    }
}

/// Library-wide settings and small helpers.
enum TraceDatLibrary {
    /// libtracecmd's own warnings stay off stderr (damage is reported in the accounting).
    static func quiet() {
        tracecmd_set_loglevel(TEP_LOG_NONE)
        tep_set_loglevel(TEP_LOG_NONE)
    }

    /// The task name for `pid` from the trace's saved cmdlines (`<idle>` for 0, `<...>` when unknown),
    /// as `trace-cmd report` prints it.
    static func comm(tep: OpaquePointer, pid: Int32, strings: inout StringInterner) -> String {
        if pid == 0 { return "<idle>" }
        guard let c = tep_data_comm_from_pid(tep, pid) else { return "<...>" }
        let n = strlen(c)
        return c.withMemoryRebound(to: UInt8.self, capacity: n) { strings.intern(ByteSpan($0, n)) }
    }

    /// The context from the record's `common_flags` (kernel TRACE_FLAG_*): NMI 0x40,
    /// HARDIRQ 0x08, SOFTIRQ 0x10 — the third column of ftrace's irq-info flags.
    static func execution(flags: Int32) -> ExecutionContext {
        guard flags >= 0 else { return .task }
        if flags & 0x40 != 0 { return .nmi }
        if flags & 0x08 != 0 { return .hardirq }
        if flags & 0x10 != 0 { return .softirq }
        return .task
    }
}
