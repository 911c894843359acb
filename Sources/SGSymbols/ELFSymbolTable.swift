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
        /// ELF section index of the symbol.
        var section: Int
    }

    private(set) var entries: [Entry] = []
    /// `reach[i]`: the highest end address of the sized symbols among `entries[0...i]`.
    private var reach: [UInt64] = []

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
                Candidate(
                    entry: Entry(name: text, address: address, size: symbol.st_size, section: Int(section)),
                    rank: rank, order: index))
        }
        candidates.sort { ($0.entry.address, $0.rank, $0.order) < ($1.entry.address, $1.rank, $1.order) }
        for candidate in candidates where entries.last?.address != candidate.entry.address {
            entries.append(candidate.entry)
        }
        var highest: UInt64 = 0
        reach = entries.map { entry in
            if entry.size > 0 { highest = max(highest, entry.address &+ entry.size) }
            return highest
        }
    }

    /// The symbol containing `address` and the offset into it, by libdwfl's rule
    /// (`dwfl_module_addrsym`, what `eu-addr2line` uses): the closest sized symbol whose extent
    /// holds the address; failing that, the closest sizeless symbol (an assembly label) at or
    /// below it that lies in the address's section (`sectionOf`) and at or past the end of every
    /// sized symbol below the address. nil otherwise: an address in padding past a function's
    /// size is unknown, not `function+large offset`.
    func symbol(containing address: UInt64, sectionOf: (UInt64) -> Int?) -> (entry: Entry, offset: UInt64)? {
        let low = entries.countAtOrBelow(address, address: \.address)
        guard low > 0 else { return nil }
        // Sized symbols may nest (an alias inside a bigger object, labels inside an assembly
        // object such as __x86_indirect_thunk_array's, one every 32 bytes): look back over the
        // nearest few, and further while a symbol at or below still reaches past the address.
        var index = low - 1
        var sizeless: Int?
        while index >= 0, index >= low - 9 || reach[index] > address {
            let entry = entries[index]
            if entry.size > 0, address - entry.address < entry.size { return (entry, address - entry.address) }
            if entry.size == 0, sizeless == nil { sizeless = index }
            index -= 1
        }
        guard let sizeless else { return nil }
        let label = entries[sizeless]
        guard label.address >= reach[low - 1], let section = sectionOf(address), section == label.section else { return nil }
        return (label, address - label.address)
    }
}
