import FuzzSupport
import SGIngest

/// One input through ingest alone: the reader picks text, xz or gzip by magic, the line
/// framer splits it (ftrace, trace-cmd report, perf script framings) and every payload
/// decoder runs on what it frames. A crash, a sanitizer report, a hang, or an accounting
/// whose lines do not add up is a finding of the fuzzer. (`FuzzAnalyze` runs the whole
/// analysis on the same inputs, at a fraction of the speed.)
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTrace(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    // trace.dat (`\x17\x08\x44tracing`) goes to libtracecmd/libtraceevent, which are neither
    // instrumented nor robust against arbitrary bytes (a corrupt v7 section or compressed page
    // crashes them, as it crashes `trace-cmd report`): not fuzzed here.
    let magic: [UInt8] = [0x17, 0x08, 0x44, 0x74, 0x72, 0x61, 0x63, 0x69, 0x6E, 0x67]
    if size >= magic.count, (0..<magic.count).allSatisfy({ data[$0] == magic[$0] }) { return 0 }
    let file = MemoryFile(data, size)
    var records = 0
    var stackFrames = 0
    guard let accounting = try? TraceReader(inputs: [file.path]).read({ record in
        records += 1
        if case .event(let event) = record.kind { stackFrames &+= event.stack.count }
    }) else { return 0 }
    if !accounting.reconciles {
        fatalError("accounting does not reconcile: \(accounting)")
    }
    return stackFrames == -1 ? 1 : 0
}
