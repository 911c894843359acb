import Synchronization

/// Resolves core-kernel runtime addresses through a vmlinux (any ELF executable) with elfutils' libdwfl:
/// the containing symbol (libdwfl's rule, with symbol sizes respected) and, when the file has
/// DWARF, the source line (`dwfl_module_getsrc` + `dwfl_lineinfo`) and the functions inlined at
/// the address (`dwarf_getscopes`). The KASLR offset is subtracted first.
public final class ELFSymbolizer: AddressSymbolizer {
    /// The vmlinux.
    public let path: String
    /// The KASLR displacement in use.
    public let kaslrOffset: KASLROffset
    private let image: Mutex<DwflImage>

    /// Loads `vmlinux`; addresses given to `resolve` are runtime addresses displaced by `kaslrOffset`.
    public convenience init(vmlinux path: String, kaslrOffset: KASLROffset = .none) throws(SymbolFileError) {
        self.init(path: path, image: try DwflImage(path: path), kaslrOffset: kaslrOffset)
    }

    private init(path: String, image: sending DwflImage, kaslrOffset: KASLROffset) {
        self.path = path
        self.kaslrOffset = kaslrOffset
        self.image = Mutex(image)
    }

    /// Loads `vmlinux` and derives the KASLR offset from `kallsyms` (`_text`, else `_stext`);
    /// offset 0 when neither symbol is in both.
    public convenience init(vmlinux path: String, kallsyms: KallsymsTable) throws(SymbolFileError) {
        let image = try DwflImage(path: path)
        let offset = KASLROffset.derive(kallsyms: kallsyms, linkAddress: image.linkAddress(ofSymbol:)) ?? .none
        self.init(path: path, image: image, kaslrOffset: offset)
    }

    /// Loads `vmlinux` and lets `chooseOffset` pick the KASLR offset, given a lookup of the
    /// vmlinux's link address of a symbol (the file is read once).
    public convenience init(
        vmlinux path: String, chooseOffset: (_ linkAddress: (String) -> UInt64?) -> KASLROffset
    ) throws(SymbolFileError) {
        let image = try DwflImage(path: path)
        let offset = chooseOffset(image.linkAddress(ofSymbol:))
        self.init(path: path, image: image, kaslrOffset: offset)
    }

    /// The vmlinux's link address of symbol `name`.
    public func linkAddress(ofSymbol name: String) -> UInt64? {
        image.withLock { $0.linkAddress(ofSymbol: name) }
    }

    /// Runtime address of the function called `name` (nil when absent or ambiguous).
    public func runtimeAddress(ofFunction name: String) -> UInt64? {
        image.withLock { image in
            image.functionAddress(named: name).map { kaslrOffset.runtimeAddress(ofLink: $0 &- image.bias) }
        }
    }

    public func resolve(_ address: UInt64) -> SymbolLocation? {
        let link = kaslrOffset.linkAddress(ofRuntime: address)
        return image.withLock { image -> SymbolLocation? in
            let dwflAddress = link &+ image.bias
            guard image.covers(dwflAddress), let info = image.info(at: dwflAddress) else { return nil }
            return info.location()
        }
    }
}
