import FuzzSupport
import SGIngest
import SGReplay

/// One input through the whole analysis; a crash, a sanitizer report, a hang or an
/// accounting that does not reconcile is a finding of the fuzzer.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAnalyze(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    // trace.dat (`\x17\x08\x44tracing`) goes to libtracecmd/libtraceevent, which are neither
    // instrumented nor robust against arbitrary bytes (a corrupt v7 section or compressed page
    // crashes them, as it crashes `trace-cmd report`): not fuzzed here.
    let magic: [UInt8] = [0x17, 0x08, 0x44, 0x74, 0x72, 0x61, 0x63, 0x69, 0x6E, 0x67]
    if size >= magic.count, (0..<magic.count).allSatisfy({ data[$0] == magic[$0] }) { return 0 }
    let file = MemoryFile(data, size)
    guard let result = try? Analyzer(AnalyzerOptions(traces: [file.path])).run() else { return 0 }
    if !result.input.reconciles {
        fatalError("accounting does not reconcile: \(result.input)")
    }
    return 0
}
