import FuzzSupport
import SGSymbols

/// One input as a vmlinux through libelf/libdwfl and a few address lookups.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzELF(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let file = MemoryFile(data, size)
    guard let symbolizer = try? ELFSymbolizer(vmlinux: file.path) else { return 0 }
    for address: UInt64 in [0, 0x1000, 0x40_1000, 0xffff_ffff_8100_0000, .max] {
        _ = symbolizer.resolve(address)
    }
    return 0
}
