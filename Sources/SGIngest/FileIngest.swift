/// Ingests one input file: frames its lines, classifies and decodes each,
/// attaches stack frames to the event they follow, and keeps the accounting.
///
/// A decoded event is held back until its stack block (ftrace `<stack trace>`
/// + ` => ` lines, or perf's TAB-indented callchain) has ended.
struct FileIngest {
    /// How many malformed lines are listed (all are counted).
    static let malformedListLimit = 1000

    let path: String
    let fileIndex: Int
    private(set) var accounting = InputAccounting()
    private var malformedRoom: Int

    /// The held-back event's record, built once where it is decoded and handed
    /// to the consumer from here (valid while `hasPending`); its stack is added at flush.
    private var pending = TraceRecord(fileIndex: 0, line: 0, kind: .bufferStarted(cpu: 0))
    private var hasPending = false
    private var pendingStack: [StackFrame] = []
    /// The parts of the current event line, filled in place by the classifier.
    private var eventLine = EventLine(name: ByteSpan(UnsafePointer(bitPattern: 1)!, 0), payload: ByteSpan(UnsafePointer(bitPattern: 1)!, 0))
    /// Frames that follow now belong to `pending` (false after a user stack opener).
    private var attachFrames = false

    init(path: String, fileIndex: Int, malformedRoom: Int) {
        self.path = path
        self.fileIndex = fileIndex
        self.malformedRoom = malformedRoom
        accounting.files = [path]
    }

    /// Reads all of `input`, delivering records to `body`.
    /// - Throws: ``IngestError/unreadable(path:reason:)`` when the decompressed
    ///   content is a binary trace container (nothing delivered), or what `body` throws.
    mutating func run(_ input: OpenedInput, decoder: inout PayloadDecoder, _ body: (TraceRecord) throws -> Void) throws {
        let framer = LineFramer()
        let primed = framer.prime(from: input.source, count: 16)
        if input.format != .text {
            try InputFormat.rejectBinary(primed.prefix, path: path)
        }
        let damage = try framer.run(source: input.source, primed: primed.result) { line in
            try consume(line, &decoder, body)
        }
        try flush(body)
        if framer.wasInterrupted {
            accounting.interrupted = true
            accounting.interruptedBy = InputInterruption.signal
        }
        if let damage {
            accounting.damaged = true
            accounting.damage.append("\(path): \(damage); input ends there, the \(accounting.lines) lines before it were read")
        }
    }

    private mutating func flush(_ body: (TraceRecord) throws -> Void) throws {
        attachFrames = false
        guard hasPending else { return }
        hasPending = false
        if !pendingStack.isEmpty, case .event(var event) = pending.kind {
            event.stack = pendingStack
            pendingStack = []
            pending.kind = .event(event)
        }
        try body(pending)
    }

    private mutating func malformed(_ reason: String) {
        accounting.malformed += 1
        if malformedRoom > 0 {
            malformedRoom -= 1
            accounting.malformedLines.append(MalformedLine(file: path, line: accounting.lines, reason: reason))
        }
    }

    private mutating func consume(_ line: LineFramer.Line, _ decoder: inout PayloadDecoder,
                                  _ body: (TraceRecord) throws -> Void) throws {
        accounting.lines += 1
        let number = accounting.lines
        guard case .text(let text) = line else {
            if case .overlong(let n) = line { malformed("line of \(n) bytes is longer than the \(LineFramer.maxLineLength >> 20) MiB limit; skipped") }
            try flush(body)
            return
        }
        switch LineClassifier.classify(text, into: &eventLine) {
        case .kernelFrame(let t):
            accounting.stackLines += 1
            if attachFrames, hasPending { pendingStack.append(StackFrameParser.kernelFrame(t, strings: &decoder.strings)) }
        case .perfFrame(let t):
            accounting.stackLines += 1
            if attachFrames, hasPending { pendingStack.append(StackFrameParser.perfFrame(t, strings: &decoder.strings)) }
        case .stackOpener(let user):
            accounting.headerLines += 1
            if user { attachFrames = false }
        case .header, .blank:
            accounting.headerLines += 1
            try flush(body)
        case .overwritten(let n):
            accounting.headerLines += 1
            try flush(body)
            accounting.lostEvents += n
            accounting.lostMarkers += 1
            accounting.notes.append("\(path): the ring buffer overwrote \(n) events before this capture (entries-in-buffer < entries-written)")
            try body(TraceRecord(fileIndex: fileIndex, line: number, kind: .lost(cpu: nil, count: n)))
        case .lost(let cpu, let count):
            accounting.headerLines += 1
            try flush(body)
            accounting.lostEvents += count ?? 0
            accounting.lostMarkers += 1
            try body(TraceRecord(fileIndex: fileIndex, line: number, kind: .lost(cpu: cpu, count: count)))
        case .bufferStarted(let cpu):
            accounting.headerLines += 1
            try flush(body)
            try body(TraceRecord(fileIndex: fileIndex, line: number, kind: .bufferStarted(cpu: cpu)))
        case .otherEvent:
            accounting.eventsOther += 1
            try flush(body)
        case .malformed(let reason):
            malformed(reason)
            try flush(body)
        case .event:
            try flush(body)
            let e = eventLine
            guard let kind = TracedEventName.lookup(e.name), kind.belongs(to: e.system, payload: e.payload) else {
                accounting.eventsOther += 1
                return
            }
            do {
                let payload = try decoder.decode(kind, e.payload)
                accounting.eventsUsed += 1
                let context = EventContext(comm: e.comm.map { decoder.strings.intern($0) } ?? "<...>", pid: e.pid, tgid: e.tgid,
                                           cpu: e.cpu, timestamp: e.timestamp, isCounterClock: e.isCounterClock,
                                           instance: e.instance.map { decoder.strings.intern($0) }, execution: e.execution)
                pending = TraceRecord(fileIndex: fileIndex, line: number, kind: .event(TraceEvent(context: context, payload: payload)))
                hasPending = true
                attachFrames = true
            } catch {
                malformed(error.reason)
            }
        }
    }
}
