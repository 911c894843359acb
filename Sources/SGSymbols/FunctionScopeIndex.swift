import CLibDW

/// The functions (`DW_TAG_subprogram` with code) of each compile unit sorted by address, to find
/// the scopes holding an address without walking the whole unit: libdw's `dwarf_getscopes` and
/// `dwarf_getscopes_die` visit every DIE of the unit before the address's on every call (about
/// 1 ms per address on a unit of a hundred functions with inlining; a vmlinux unit is bigger).
/// Here the function is found by binary search, then only its own subtree is descended,
/// following the children whose ranges hold the address (`dwarf_haspc`).
///
/// Not thread-safe; lives inside a `DwflImage`.
struct FunctionScopeIndex {
    private struct Range {
        var low: UInt64
        var high: UInt64
        var die: Dwarf_Die
    }

    /// By compile unit DIE offset.
    private var units: [Dwarf_Off: [Range]] = [:]

    /// The lexical nesting of the innermost scope holding `pc` (a libdw address of `unit`),
    /// innermost first, ending with the function (`DW_TAG_subprogram`); nil when no function of
    /// the unit holds `pc` as far as this index can tell (the caller then asks libdw).
    mutating func scopes(unit: inout Dwarf_Die, pc: UInt64) -> [Dwarf_Die]? {
        let key = dwarf_dieoffset(&unit)
        let ranges: [Range]
        if let known = units[key] {
            ranges = known
        } else {
            ranges = Self.functions(of: &unit)
            units[key] = ranges
        }
        let low = ranges.countAtOrBelow(pc, address: \.low)
        var index = low - 1
        while index >= 0, index >= low - 16 {
            if pc < ranges[index].high { return Self.descend(from: ranges[index].die, pc: pc) }
            index -= 1
        }
        return nil
    }

    private static func descend(from function: Dwarf_Die, pc: UInt64) -> [Dwarf_Die] {
        var chain = [function]
        var current = function
        outer: while true {
            var child = Dwarf_Die()
            guard dwarf_child(&current, &child) == 0 else { break }
            while true {
                if dwarf_haspc(&child, pc) == 1 {
                    chain.append(child)
                    current = child
                    continue outer
                }
                var next = Dwarf_Die()
                guard dwarf_siblingof(&child, &next) == 0 else { break outer }
                child = next
            }
        }
        return chain.reversed()
    }

    /// Every range of every function with code among the unit's children (and inside namespaces).
    private static func functions(of unit: inout Dwarf_Die) -> [Range] {
        var result: [Range] = []
        func visit(_ parent: inout Dwarf_Die) {
            var child = Dwarf_Die()
            guard dwarf_child(&parent, &child) == 0 else { return }
            while true {
                switch dwarf_tag(&child) {
                case DWARFConstant.tagSubprogram:
                    var offset = 0
                    var base: Dwarf_Addr = 0
                    var start: Dwarf_Addr = 0
                    var end: Dwarf_Addr = 0
                    while true {
                        offset = dwarf_ranges(&child, offset, &base, &start, &end)
                        guard offset > 0 else { break }
                        if end > start { result.append(Range(low: start, high: end, die: child)) }
                    }
                case DWARFConstant.tagNamespace:
                    visit(&child)
                default:
                    break
                }
                var next = Dwarf_Die()
                guard dwarf_siblingof(&child, &next) == 0 else { return }
                child = next
            }
        }
        visit(&unit)
        result.sort { $0.low < $1.low }
        return result
    }
}
