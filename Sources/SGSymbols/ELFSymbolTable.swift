import CLibDW

/// An ELF file's symbol table sorted by address for binary search (libdwfl's
/// `dwfl_module_addrinfo` scans every symbol on each call: too slow for a vmlinux's 150 000).
///
/// Holds defined function, object and untyped symbols (not sections, files or TLS), one per
/// address: the preferred alias (function over data, sized over sizeless, global over weak over
/// local, not a `__pfx_`/`__cfi_` padding label).
struct ELFSymbolTable: Sendable {
    struct Entry: Sendable, Hashable {
        var name: String
        /// libdwfl address.
        var address: UInt64
        var size: UInt64
    }

    private(set) var entries: [Entry] = []

    /// Reads the symbols of a libdwfl module.
    init(module: OpaquePointer) {
        struct Candidate {
            var entry: Entry
            var rank: Int
            var order: Int32
        }
        var candidates: [Candidate] = []
        let count = dwfl_module_getsymtab(module)
        guard count > 0 else { return }
        candidates.reserveCapacity(Int(count))
        for index in 0..<count {
            var symbol = GElf_Sym()
            var address: GElf_Addr = 0
            var section: GElf_Word = 0
            guard let name = dwfl_module_getsym_info(module, index, &symbol, &address, &section, nil, nil),
                section != SHN_UNDEF, section != SHN_ABS, name.pointee != 0
            else { continue }
            let type = Int32(symbol.st_info & 0xF)
            guard type == STT_FUNC || type == STT_OBJECT || type == STT_NOTYPE else { continue }
            let text = String(cString: name)
            var rank = type == STT_FUNC ? 0 : 8
            if symbol.st_size == 0 { rank += 4 }
            switch Int32(symbol.st_info >> 4) {
            case STB_GLOBAL: break
            case STB_WEAK: rank += 1
            default: rank += 2
            }
            if text.hasPrefix("__pfx_") || text.hasPrefix("__cfi_") { rank += 16 }
            candidates.append(
                Candidate(entry: Entry(name: text, address: address, size: symbol.st_size), rank: rank, order: index))
        }
        candidates.sort { ($0.entry.address, $0.rank, $0.order) < ($1.entry.address, $1.rank, $1.order) }
        for candidate in candidates where entries.last?.address != candidate.entry.address {
            entries.append(candidate.entry)
        }
    }

    /// The symbol containing `address` and the offset into it: the last symbol at or below the
    /// address, or, when the address is past that symbol's size, an earlier sized symbol that
    /// still contains it (nested symbols), else the last one anyway (padding after a function,
    /// as the kernel's kallsyms would also report it).
    func symbol(containing address: UInt64) -> (entry: Entry, offset: UInt64)? {
        let low = entries.countAtOrBelow(address, address: \.address)
        guard low > 0 else { return nil }
        let nearest = entries[low - 1]
        if nearest.size == 0 || address - nearest.address < nearest.size {
            return (nearest, address - nearest.address)
        }
        var index = low - 2
        while index >= 0, index >= low - 9 {
            let entry = entries[index]
            if entry.size > 0, address - entry.address < entry.size { return (entry, address - entry.address) }
            index -= 1
        }
        return (nearest, address - nearest.address)
    }
}
