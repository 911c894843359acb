/// Classifies one line of any supported framing (ftrace `trace`/`trace_pipe`
/// with or without irq-info, record-tgid, latency-format or context-info;
/// `trace-cmd report`; `perf script`) without building strings.
enum LineClassifier {
    /// `event` is filled in place when the result is ``LineClass/event``
    /// (the parts stay in the caller's storage: no copies of them per line).
    /// `fixedLayout: false` skips the by-position parse of the common ftrace
    /// prefix (``fixedPrefix(_:_:)``): the tests compare both paths.
    static func classify(_ raw: ByteSpan, into event: inout EventLine, fixedLayout: Bool = true) -> LineClass {
        var line = raw
        if line.count > 0, line[line.count - 1] == 0x0D { line = line.slice(0, line.count - 1) }
        if line.count == 0 { return .blank }
        switch line[0] {
        case 0x23: // '#'
            return header(line)
        case 0x09: // TAB: perf callchain frame
            return .perfFrame(line.suffix(from: 1))
        case 0x20 where line.hasPrefix(" => "):
            return .kernelFrame(line.suffix(from: 4))
        case 0x3D where line.hasPrefix("=> "): // '=': trace-cmd report's frames, `=> sym (addr)`
            return .kernelFrame(line.suffix(from: 3))
        case 0x43 where line.hasPrefix("CPU:"): // 'C'
            return lostMarker(line)
        case 0x43 where line.hasPrefix("CPU "):
            return line.index(of: " is empty") != nil ? .header : .malformed("unrecognised `CPU ` line")
        case 0x63 where line.hasPrefix("cpus="): // 'c'
            return .header
        case 0x76 where line.hasPrefix("version = "): // 'v': older trace-cmd report banner
            return .header
        default:
            break
        }
        var first = line.skipSpaces(from: 0)
        while first < line.count, line[first] == 0x20 || line[first] == 0x09 { first += 1 }
        if first == line.count { return .blank } // only spaces and tabs
        return eventLine(line, &event, fixedLayout: fixedLayout)
    }

    // MARK: - Headers and markers

    private static func header(_ line: ByteSpan) -> LineClass {
        if line.hasPrefix("#####") {
            // ##### CPU 3 buffer started ####
            if let at = line.index(of: "CPU "), line.index(of: "buffer started") != nil {
                let s = at + 4
                let e = line.tokenEnd(from: s)
                if let cpu = line.slice(s, e).decimal() { return .bufferStarted(cpu: Int(cpu)) }
            }
            return .header
        }
        if let at = line.index(of: "entries-in-buffer/entries-written:") {
            let s = line.skipSpaces(from: at + 34)
            let e = line.tokenEnd(from: s)
            let pair = line.slice(s, e)
            if let slash = pair.index(of: 0x2F),
               let inBuffer = pair.slice(0, slash).decimal(),
               let written = pair.suffix(from: slash + 1).decimal(),
               written > inBuffer {
                return .overwritten(written - inBuffer)
            }
        }
        return .header
    }

    /// `CPU:%d [LOST %lu EVENTS]`, `CPU:%d [LOST EVENTS]`,
    /// `CPU:%d [%lld EVENTS DROPPED]`, `CPU:%d [EVENTS DROPPED]`.
    private static func lostMarker(_ line: ByteSpan) -> LineClass {
        let body = line.trimmed()
        guard let open = body.index(of: 0x5B), let close = body.index(of: 0x5D, from: open),
              let cpu = body.slice(4, open).trimmed().decimal() else {
            return .malformed("`CPU:` line is not a lost-events marker")
        }
        let inner = body.slice(open + 1, close)
        if inner.equals("LOST EVENTS") || inner.equals("EVENTS DROPPED") {
            return .lost(cpu: Int(cpu), count: nil)
        }
        if inner.hasPrefix("LOST "), inner.hasSuffix(" EVENTS"),
           let n = inner.slice(5, inner.count - 7).decimal() {
            return .lost(cpu: Int(cpu), count: n)
        }
        if inner.hasSuffix(" EVENTS DROPPED"), let n = inner.slice(0, inner.count - 15).decimal() {
            return .lost(cpu: Int(cpu), count: n)
        }
        return .malformed("`CPU:` line is not a lost-events marker")
    }

    // MARK: - Event lines

    private static func isIdentifier(_ c: UInt8) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c &- 0x30 <= 9) || c == 0x5F || (c >= 0x41 && c <= 0x5A)
    }

    private static func eventLine(_ line: ByteSpan, _ event: inout EventLine, fixedLayout: Bool) -> LineClass {
        // context-info off: `dma_map_sg: payload`
        var i = 0
        while i < line.count, isIdentifier(line[i]) { i += 1 }
        if i > 0, i < line.count, line[i] == 0x3A, i + 1 == line.count || line[i + 1] == 0x20 {
            event = EventLine(name: line.slice(0, i), payload: line.slice(line.skipSpaces(from: i + 1), line.count))
            return .event
        }
        if line.count > 10, line[8] == 0x2D, line[9] &- 0x30 <= 9, let result = latency(line, &event) {
            return result
        }
        if fixedLayout, let result = fixedPrefix(line, &event) { return result }
        if let bracket = cpuBracket(line) {
            return bracketed(line, open: bracket.open, close: bracket.close, cpu: bracket.cpu, &event)
        }
        if isRawLine(line) { return .otherEvent }
        return .malformed("unrecognised line: no `task-pid [cpu] timestamp:` prefix")
    }

    /// The first `[digits]` in the line.
    private static func cpuBracket(_ line: ByteSpan) -> (open: Int, close: Int, cpu: Int32)? {
        var from = 0
        while let open = line.index(of: 0x5B, from: from) {
            var j = open + 1
            while j < line.count, line[j] &- 0x30 <= 9 { j += 1 }
            if j > open + 1, j < line.count, line[j] == 0x5D,
               let cpu = line.slice(open + 1, j).decimal(), cpu <= UInt64(Int32.max) {
                return (open, j, Int32(cpu))
            }
            from = open + 1
        }
        return nil
    }

    /// ftrace / trace-cmd (`comm-pid [(tgid)] [cpu]`) and perf (`comm pid[/tid] [cpu]`) prefixes.
    private static func bracketed(_ line: ByteSpan, open: Int, close: Int, cpu: Int32, _ event: inout EventLine) -> LineClass {
        var head = line.slice(0, open).trimmed()
        event = EventLine(name: line.slice(0, 0), payload: line.slice(0, 0))
        event.cpu = cpu
        // record-tgid: `(   3453)` or `(-------)`
        if head.count > 0, head[head.count - 1] == 0x29, let paren = head.lastIndex(of: 0x28) {
            let inside = head.slice(paren + 1, head.count - 1).trimmed()
            if let t = inside.decimal(), t <= UInt64(Int32.max) { event.tgid = Int32(t) }
            head = head.slice(0, paren).trimmed()
        }
        guard !head.isEmpty else { return .malformed("no task-pid before the [cpu] field") }
        // trace-cmd report of several files / instances: `<name>: comm-pid [cpu]`
        // (`: ` holds a space: no search unless the head has one, and none before it.)
        if let space = head.index(of: 0x20), space > 0, let colon = head.index(of: ": ", from: space - 1) {
            event.instance = head.slice(0, colon)
            head = head.suffix(from: head.skipSpaces(from: colon + 2))
        }
        // ftrace / trace-cmd: `comm-pid`. When the head ends in `-digits`, its last
        // token holds that `-`, so neither perf shape below can match: take it directly.
        var k = head.count
        while k > 0, head[k - 1] &- 0x30 <= 9 { k -= 1 }
        if k > 0, k < head.count, head[k - 1] == 0x2D, let p = head.suffix(from: k).decimal(), p <= UInt64(Int32.max) {
            event.pid = Int32(p)
            event.comm = head.slice(0, k - 1)
            return afterContext(line, from: close + 1, &event)
        }
        // perf: last token is `pid` or `pid/tid`
        let lastSpace = head.lastIndex(of: 0x20)
        let last = head.suffix(from: (lastSpace ?? -1) + 1)
        if let slash = last.index(of: 0x2F), let p = last.slice(0, slash).decimal(),
           let t = last.suffix(from: slash + 1).decimal(), p <= UInt64(Int32.max), t <= UInt64(Int32.max) {
            event.tgid = Int32(p)
            event.pid = Int32(t)
            event.comm = head.slice(0, lastSpace ?? 0).trimmed()
        } else if let sp = lastSpace, let p = last.decimal(), p <= UInt64(Int32.max) {
            event.pid = Int32(p)
            event.comm = head.slice(0, sp).trimmed()
        } else {
            guard let dash = head.lastIndex(of: 0x2D), let p = head.suffix(from: dash + 1).decimal(),
                  p <= UInt64(Int32.max) else {
                return .malformed("no `-pid` after the task name")
            }
            event.pid = Int32(p)
            event.comm = head.slice(0, dash)
        }
        return afterContext(line, from: close + 1, &event)
    }

    /// Latency format: `%8.8s-%-7d %3d` + flags + time (`28525us#:` or trace-cmd `-l` seconds).
    private static func latency(_ line: ByteSpan, _ event: inout EventLine) -> LineClass? {
        event = EventLine(name: line.slice(0, 0), payload: line.slice(0, 0))
        event.comm = line.slice(0, 8).trimmed()
        var i = 9
        let pidStart = i
        while i < line.count, line[i] &- 0x30 <= 9 { i += 1 }
        guard let pid = line.slice(pidStart, i).decimal(), pid <= UInt64(Int32.max) else { return nil }
        event.pid = Int32(pid)
        i = line.skipSpaces(from: i)
        let cpuStart = i
        while i < line.count, line[i] &- 0x30 <= 9 { i += 1 }
        guard let cpu = line.slice(cpuStart, i).decimal(), cpu <= UInt64(Int32.max) else { return nil }
        event.cpu = Int32(cpu)
        let flagsEnd = line.tokenEnd(from: i) // irq flags glued to the CPU number
        event.execution = .of(flags: line.slice(i, flagsEnd))
        i = flagsEnd
        let result = afterContext(line, from: i, &event)
        if case .malformed = result { return nil }
        return result
    }

    /// Parses `[flags ]timestamp: event: payload` after the CPU field.
    private static func afterContext(_ line: ByteSpan, from: Int, _ event: inout EventLine) -> LineClass {
        var i = line.skipSpaces(from: from)
        var stamped = false
        for _ in 0..<2 where !stamped {
            let e = line.tokenEnd(from: i)
            let token = line.slice(i, e)
            var next = line.skipSpaces(from: e)
            if !stamped, i == line.skipSpaces(from: from), token.count >= 4, token[token.count - 1] != 0x3A {
                event.execution = .of(flags: token)  // irq-info flags before the timestamp
            }
            if token.count > 1, token[token.count - 1] == 0x3A,
               let ts = timestamp(token.slice(0, token.count - 1)) {
                event.timestamp = ts.value
                event.isCounterClock = ts.counter
                stamped = true
            } else if next < line.count, line[next] == 0x3A, next + 1 == line.count || line[next + 1] == 0x20,
                      let ts = timestamp(token) {
                // latency format with a blank delay mark: `39942us : event:`
                event.timestamp = ts.value
                event.isCounterClock = ts.counter
                stamped = true
                next = line.skipSpaces(from: next + 1)
            }
            i = next
        }
        guard stamped else { return .malformed("no timestamp after the [cpu] field") }
        return namedEvent(line, from: i, &event)
    }

    /// After the timestamp: a stack opener, or `[extra fields ][system:]name: payload`.
    @inline(__always)
    static func namedEvent(_ line: ByteSpan, from: Int, _ event: inout EventLine) -> LineClass {
        var i = from
        if i < line.count, line[i] == 0x3C { // '<'
            let rest = line.suffix(from: i)
            if rest.hasPrefix("<stack trace>") { return .stackOpener(user: false) }
            if rest.hasPrefix("<user stack trace>") { return .stackOpener(user: true) }
        }
        // perf may print extra fields (period, ip, sym) before `sys:event:`.
        for _ in 0..<4 {
            guard i < line.count else { break }
            let e = line.tokenEnd(from: i)
            if line[e - 1] == 0x3A {
                var name = line.slice(i, e - 1)
                if name.firstIndex(of: 0x3A, from: 0) < name.count, let colon = name.lastIndex(of: 0x3A) { // perf `sys:name`
                    event.system = name.slice(0, colon)
                    name = name.suffix(from: colon + 1)
                }
                guard !name.isEmpty else { return .malformed("empty event name") }
                event.name = name
                event.payload = line.slice(line.skipSpaces(from: e), line.count)
                // trace-cmd report names the stack record: `kernel_stack:   <stack trace >`.
                if event.payload.count > 0, event.payload[0] == 0x3C {
                    if name.equals("kernel_stack"), event.payload.hasPrefix("<stack trace") { return .stackOpener(user: false) }
                    if name.equals("user_stack"), event.payload.hasPrefix("<user stack trace") { return .stackOpener(user: true) }
                }
                return .event
            }
            i = line.skipSpaces(from: e)
        }
        // function tracer (`func <-parent`), bprint and similar: a line, not an event we name.
        return .otherEvent
    }

    /// `secs.usecs` / `secs.nsecs` → nanoseconds; a bare integer → counter;
    /// `NNNus` (+ one delay mark) → nanoseconds since the buffer start (latency format).
    private static func timestamp(_ token: ByteSpan) -> (value: UInt64, counter: Bool)? {
        if let dot = token.index(of: 0x2E) {
            guard let secs = token.slice(0, dot).decimal() else { return nil }
            let frac = token.suffix(from: dot + 1)
            guard frac.count > 0, frac.count <= 9, let f = frac.decimal() else { return nil }
            let scale: UInt64
            switch frac.count { // 10^(9 - digits)
            case 6: scale = 1000
            case 9: scale = 1
            case 3: scale = 1_000_000
            default:
                var s: UInt64 = 1
                for _ in frac.count..<9 { s *= 10 }
                scale = s
            }
            return (secs &* 1_000_000_000 &+ f &* scale, false)
        }
        if let v = token.decimal() { return (v, true) }
        var t = token
        if t.count > 0, t[t.count - 1] &- 0x30 > 9, t[t.count - 1] != 0x73 { t = t.slice(0, t.count - 1) } // delay mark
        if t.hasSuffix("us"), let us = t.slice(0, t.count - 2).decimal() { return (us &* 1000, false) }
        return nil
    }

    /// `options/raw`: `<pid> <cpu> <ts> type: <id>` — unusable, but a real event line.
    private static func isRawLine(_ line: ByteSpan) -> Bool {
        guard let at = line.index(of: " type: ") else { return false }
        var numbers = 0
        var i = 0
        while i < at {
            let e = min(line.tokenEnd(from: i), at)
            guard line.slice(i, e).isDigits else { return false }
            numbers += 1
            i = line.skipSpaces(from: e)
        }
        return numbers == 3
    }
}
