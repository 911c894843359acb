/// Decodes one stack line: ftrace ` => …` frames and perf callchain lines.
enum StackFrameParser {
    /// ftrace: `func`, `func <ffffffff…>` (sym-addr), `func+0x618/0x1a60`
    /// (sym-offset), `func+0x10/0x20 [module]`, or a bare `0xffff…`;
    /// trace-cmd report: `func (ffffffff…)`.
    static func kernelFrame(_ text: ByteSpan, strings: inout StringInterner) -> StackFrame {
        let t = text.trimmed()
        var frame = StackFrame()
        var i = 0
        var first = true
        while i < t.count {
            let e = t.tokenEnd(from: i)
            let token = t.slice(i, e)
            if token.count > 2, token[0] == 0x3C, token[token.count - 1] == 0x3E { // <addr>
                frame.address = token.slice(1, token.count - 1).hex()
            } else if !first, token.count > 2, token[0] == 0x28, token[token.count - 1] == 0x29 { // (addr)
                frame.address = token.slice(1, token.count - 1).hex()
            } else if token.count > 2, token[0] == 0x5B, token[token.count - 1] == 0x5D { // [module]
                frame.module = strings.intern(token.slice(1, token.count - 1))
            } else if first {
                if token.hasPrefix("0x"), let a = token.hex() {
                    frame.address = a
                } else {
                    symbol(token, into: &frame, strings: &strings)
                }
            }
            first = false
            i = t.skipSpaces(from: e)
        }
        return frame
    }

    /// perf: `ffffffff81399b71 __traceiter_sched_switch+0x41 ([kernel.kallsyms])`,
    /// `7f588b2f2ad7 [unknown] ([unknown])`.
    static func perfFrame(_ text: ByteSpan, strings: inout StringInterner) -> StackFrame {
        let t = text.trimmed()
        var frame = StackFrame()
        let e = t.tokenEnd(from: 0)
        frame.address = t.slice(0, e).hex()
        var rest = t.suffix(from: t.skipSpaces(from: e))
        if rest.count > 2, rest[rest.count - 1] == 0x29, let open = rest.lastIndex(of: 0x28) { // (dso)
            var dso = rest.slice(open + 1, rest.count - 1)
            if dso.count > 2, dso[0] == 0x5B, dso[dso.count - 1] == 0x5D { dso = dso.slice(1, dso.count - 1) }
            if !dso.equals("unknown") && !dso.isEmpty { frame.module = strings.intern(dso) }
            rest = rest.slice(0, open).trimmed()
        }
        if !rest.isEmpty && !rest.equals("[unknown]") { symbol(rest, into: &frame, strings: &strings) }
        return frame
    }

    /// `name+0xoff[/0xsize]` → symbol and offset.
    private static func symbol(_ token: ByteSpan, into frame: inout StackFrame, strings: inout StringInterner) {
        if let plus = token.lastIndex(of: 0x2B), token.suffix(from: plus + 1).hasPrefix("0x") {
            let off = token.suffix(from: plus + 1)
            let slash = off.index(of: 0x2F) ?? off.count
            if let o = off.slice(0, slash).hex() {
                frame.symbol = strings.intern(token.slice(0, plus))
                frame.offset = o
                return
            }
        }
        frame.symbol = strings.intern(token)
    }
}
