import CLibDW

/// The compile units of one libdwfl module sorted by address range (from each unit's
/// `DW_AT_low_pc`/`DW_AT_high_pc`/`DW_AT_ranges`), to find the unit of an address without
/// `.debug_aranges`, then its line via `dwarf_getsrc_die`.
///
/// Not thread-safe; lives inside a `DwflImage`.
struct CompileUnitIndex {
    private struct Range {
        var low: UInt64
        var high: UInt64
        var unit: Int
    }

    private var units: [Dwarf_Die] = []
    private var ranges: [Range] = []
    private var bias: UInt64 = 0

    /// Reads every compile unit's ranges (no DWARF: an empty index).
    init(module: OpaquePointer) {
        var unitBias: Dwarf_Addr = 0
        var current = dwfl_module_nextcu(module, nil, &unitBias)
        while let die = current {
            var offset = 0
            var base: Dwarf_Addr = 0
            var start: Dwarf_Addr = 0
            var end: Dwarf_Addr = 0
            while true {
                offset = dwarf_ranges(die, offset, &base, &start, &end)
                guard offset > 0 else { break }
                if end > start { ranges.append(Range(low: start, high: end, unit: units.count)) }
            }
            units.append(die.pointee)
            bias = unitBias
            current = dwfl_module_nextcu(module, die, &unitBias)
        }
        ranges.sort { $0.low < $1.low }
    }

    /// File and line of a libdwfl address, when a compile unit's range and line table cover it
    /// (line 0, "no source line", counts as not covered).
    mutating func sourceLine(at address: UInt64) -> (file: String, line: Int, column: Int?)? {
        let target = address &- bias
        // Last range starting at or below target; ranges may nest or overlap, so look back a little.
        let low = ranges.countAtOrBelow(target, address: \.low)
        var index = low - 1
        var looked = 0
        while index >= 0, looked < 8 {
            let range = ranges[index]
            if target < range.high, let found = line(in: range.unit, at: target) { return found }
            index -= 1
            looked += 1
        }
        return nil
    }

    /// The compile unit whose ranges hold a libdwfl address, with the bias to subtract for
    /// libdw (`dwarf_getscopes`).
    func unit(at address: UInt64) -> (die: Dwarf_Die, bias: UInt64)? {
        let target = address &- bias
        let low = ranges.countAtOrBelow(target, address: \.low)
        var index = low - 1
        while index >= 0, index >= low - 8 {
            if target < ranges[index].high { return (units[ranges[index].unit], bias) }
            index -= 1
        }
        return nil
    }

    private mutating func line(in unit: Int, at target: UInt64) -> (file: String, line: Int, column: Int?)? {
        guard let line = dwarf_getsrc_die(&units[unit], target), let file = dwarf_linesrc(line, nil, nil) else {
            return nil
        }
        var number: Int32 = 0
        var column: Int32 = 0
        guard dwarf_lineno(line, &number) == 0, number > 0 else { return nil }
        if dwarf_linecol(line, &column) != 0 { column = 0 }
        return (String(cString: file), Int(number), column > 0 ? Int(column) : nil)
    }
}
