import FuzzSupport
import SGIngest

/// One input through sgreplay's own walk of a v6 trace.dat's headers (magic, version,
/// header page/event, formats, kallsyms, printk, cmdlines, CPU count, options, flyrecord
/// table, every page's commit word): the check that keeps corrupt pages away from
/// libtraceevent. A crash, a sanitizer report or a hang is a finding; so is a layout that
/// contradicts itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTraceDat(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let file = MemoryFile(data, size)
    guard let layout = TraceDatLayout.scan(path: file.path) else { return 0 }
    if layout.pageSize <= 0 || layout.cpusWithBadPages.contains(where: { $0 < 0 || $0 >= layout.regions.count }) {
        fatalError("inconsistent layout: \(layout)")
    }
    return 0
}
