import FuzzSupport
import SGIngest
import SGReplay

/// One input through the whole analysis; a crash, a sanitizer report, a hang or an
/// accounting that does not reconcile is a finding of the fuzzer.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTrace(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let file = MemoryFile(data, size)
    guard let result = try? Analyzer(AnalyzerOptions(traces: [file.path])).run() else { return 0 }
    if !result.input.reconciles {
        fatalError("accounting does not reconcile: \(result.input)")
    }
    return 0
}
