/// Resolves addresses from a `/proc/kallsyms`-format file alone: `function+0xoff [module]`, no source lines.
public struct KallsymsSymbolizer: AddressSymbolizer {
    /// The parsed table.
    public let table: KallsymsTable

    public init(table: KallsymsTable) {
        self.table = table
    }

    /// Reads `path` (`/proc/kallsyms` or `System.map` text).
    public init(path: String) throws(SymbolFileError) {
        self.table = try KallsymsTable.load(path: path)
    }

    public func resolve(_ address: UInt64) -> SymbolLocation? {
        guard let (symbol, offset) = table.symbol(containing: address) else { return nil }
        return SymbolLocation(function: symbol.name, offset: offset, module: symbol.module)
    }
}
