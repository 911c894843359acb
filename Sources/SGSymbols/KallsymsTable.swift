/// A `/proc/kallsyms` (or `System.map`) file as a table sorted by address, for
/// address → symbol lookups (binary search) and name → address lookups.
public struct KallsymsTable: Sendable {
    /// The file the table was read from (for messages).
    public let path: String
    /// One symbol per distinct address, sorted by address (the preferred alias where several share it).
    public let symbols: [KallsymsSymbol]
    /// 1-based numbers of non-empty lines that are not kallsyms lines (first 100).
    public let skippedLines: [Int]
    /// How far past the last symbol of the file, or of a module, an address still counts as
    /// inside that symbol (its real end is not in kallsyms).
    public var trailingReach: UInt64 = 0x10000
    /// Every parsed symbol, aliases included, in file order (for name lookups).
    private let everySymbol: [KallsymsSymbol]

    /// Reads and parses a kallsyms file.
    public static func load(path: String) throws(SymbolFileError) -> KallsymsTable {
        try KallsymsTable(parsing: SymbolFileReading.contents(of: path), path: path)
    }

    /// Parses kallsyms text. Throws when no line is a kallsyms line, or when every address is zero.
    public init(parsing bytes: [UInt8], path: String) throws(SymbolFileError) {
        var parsed: [KallsymsSymbol] = []
        var skipped: [Int] = []
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            let newline = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            lineNumber += 1
            var line = bytes[start..<newline]
            if line.last == 0x0D { line = line.dropLast() }
            if let symbol = KallsymsSymbol.parse(line) {
                parsed.append(symbol)
            } else if !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) && !Self.isAbsoluteOrUndefined(line) {
                if skipped.count < 100 { skipped.append(lineNumber) }
            }
            start = newline + 1
        }
        guard !parsed.isEmpty else { throw .noSymbols(path: path) }
        guard parsed.contains(where: { $0.address != 0 }) else { throw .kallsymsZeroAddresses(path: path) }
        // Sort by address, then alias preference, then file order (deterministic among equals).
        let order = parsed.indices.sorted {
            (parsed[$0].address, parsed[$0].aliasRank, $0) < (parsed[$1].address, parsed[$1].aliasRank, $1)
        }
        var distinct: [KallsymsSymbol] = []
        distinct.reserveCapacity(parsed.count)
        for index in order where distinct.last?.address != parsed[index].address {
            distinct.append(parsed[index])
        }
        self.path = path
        self.symbols = distinct
        self.skippedLines = skipped
        self.everySymbol = parsed
    }

    /// Lines that parse as kallsyms except for a type we deliberately drop (absolute, undefined, debug).
    private static func isAbsoluteOrUndefined(_ line: ArraySlice<UInt8>) -> Bool {
        guard let space = line.firstIndex(of: 0x20), space + 1 < line.endIndex else { return false }
        return [UInt8(ascii: "a"), UInt8(ascii: "A"), UInt8(ascii: "U"), UInt8(ascii: "N")].contains(line[space + 1])
    }

    /// The symbol whose extent contains `address`, and the offset into it.
    ///
    /// A symbol extends to the next symbol of the same module (or of the core kernel);
    /// the last symbol of the file or of a module extends `trailingReach` bytes at most.
    /// Addresses before the first symbol resolve to nil.
    public func symbol(containing address: UInt64) -> (symbol: KallsymsSymbol, offset: UInt64)? {
        let low = symbols.countAtOrBelow(address, address: \.address)
        guard low > 0 else { return nil }
        let symbol = symbols[low - 1]
        let offset = address - symbol.address
        if low < symbols.count, symbols[low].module == symbol.module {
            return (symbol, offset)  // bounded by the next symbol, which is above address
        }
        if offset >= trailingReach { return nil }
        return (symbol, offset)
    }

    /// Addresses of the symbols called `name` in `module` (nil: the core kernel); several for
    /// duplicated local names. A linear scan: for a few names (use `addressesByName(inModule:)` for many).
    public func addresses(of name: String, module: String? = nil) -> [UInt64] {
        everySymbol.filter { $0.name == name && $0.module == module }.map(\.address)
    }

    /// `name` (core kernel) or `name\t[module]` → addresses, for every symbol (aliases included):
    /// built once by callers that look up many names.
    public func addressIndex() -> [String: [UInt64]] {
        var result: [String: [UInt64]] = [:]
        for symbol in everySymbol {
            result[Self.indexKey(symbol.name, module: symbol.module), default: []].append(symbol.address)
        }
        return result
    }

    /// The key of `addressIndex()`.
    public static func indexKey(_ name: String, module: String?) -> String {
        module.map { "\(name)\t[\($0)]" } ?? name
    }

    /// Name → addresses of every symbol of one module (nil: the core kernel), aliases included.
    public func addressesByName(inModule module: String?) -> [String: [UInt64]] {
        var result: [String: [UInt64]] = [:]
        for symbol in everySymbol where symbol.module == module {
            result[symbol.name, default: []].append(symbol.address)
        }
        return result
    }

    /// The names of the modules that have symbols in the table.
    public var moduleNames: Set<String> {
        Set(symbols.compactMap(\.module))
    }
}
