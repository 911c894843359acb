/// What one trace line is, decided from its bytes alone (any framing).
enum LineClass {
    /// `#` header, `cpus=N`, trace-cmd's `CPU N is empty`.
    case header
    /// An empty (or all-blank) line; in perf output it ends an event's callchain.
    case blank
    /// `# entries-in-buffer/entries-written: a/b` with `b > a`: the ring buffer overwrote `b - a` events.
    case overwritten(UInt64)
    /// `CPU:N [LOST M EVENTS]`, `CPU:N [LOST EVENTS]`, trace-cmd `[M EVENTS DROPPED]`.
    case lost(cpu: Int, count: UInt64?)
    /// `##### CPU N buffer started ####`.
    case bufferStarted(cpu: Int)
    /// `<stack trace>` / `<user stack trace>` entry opening a block of frames.
    case stackOpener(user: Bool)
    /// ` => frame` (text after the arrow).
    case kernelFrame(ByteSpan)
    /// TAB-indented perf callchain line (text after the TAB).
    case perfFrame(ByteSpan)
    /// A line with an event prefix and name (its parts: the ``EventLine`` filled by the classifier).
    case event
    /// A well-formed trace line that is not a named event (raw `type:` lines, function tracer).
    case otherEvent
    /// Not a trace line at all.
    case malformed(String)
}

/// The parts of an event line, still as bytes.
struct EventLine {
    var comm: ByteSpan?
    /// trace-cmd's `<file or instance>: ` prefix.
    var instance: ByteSpan?
    var pid: Int32 = -1
    var tgid: Int32? = nil
    var cpu: Int32 = -1
    var timestamp: UInt64 = 0
    var isCounterClock = false
    /// From the irq-info flags, when the line has them.
    var execution: ExecutionContext = .task
    /// perf's event system (`dma` of `dma:dma_map_sg`); nil in ftrace and trace-cmd text.
    var system: ByteSpan?
    /// Event name without its system (`dma_map_sg`, also from perf's `dma:dma_map_sg`).
    var name: ByteSpan
    /// Everything after `name: ` (leading padding removed).
    var payload: ByteSpan
}
