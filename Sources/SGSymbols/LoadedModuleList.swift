/// A loaded module as `/proc/modules` lists it: `nvme 57344 0 - Live 0xffffffffc02a1000 (OE)`.
public struct LoadedModule: Sendable, Hashable {
    /// Module name (`nvme`).
    public var name: String
    /// Load address of the module's core layout (where its `.text` normally starts).
    public var base: UInt64
    /// Size in bytes of the module's core layout as `/proc/modules` states it.
    public var size: UInt64

    public init(name: String, base: UInt64, size: UInt64) {
        self.name = name
        self.base = base
        self.size = size
    }

    /// Whether `address` lies in `[base, base + size)`.
    public func contains(_ address: UInt64) -> Bool {
        address >= base && address - base < size
    }

    /// Parses one `/proc/modules` line; nil when the line is not in that format or its address is zero.
    static func parse(_ line: Substring) -> LoadedModule? {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count >= 6, let size = UInt64(fields[1]) else { return nil }
        var addressText = fields[5]
        if addressText.hasPrefix("0x") || addressText.hasPrefix("0X") { addressText = addressText.dropFirst(2) }
        guard let base = UInt64(addressText, radix: 16), base != 0 else { return nil }
        return LoadedModule(name: String(fields[0]), base: base, size: size)
    }
}

/// The modules of a `/proc/modules` text.
public struct LoadedModuleList: Sendable {
    /// The modules with a non-zero load address, in file order.
    public let modules: [LoadedModule]

    /// Parses `/proc/modules` text; lines in other formats are ignored.
    public init(parsing text: String) {
        modules = text.split(whereSeparator: \.isNewline).compactMap(LoadedModule.parse)
    }

    public init(modules: [LoadedModule]) {
        self.modules = modules
    }

    /// Reads a `/proc/modules` file. Throws when no line has a module with a non-zero address
    /// (read without privilege, addresses are printed as zero).
    public static func load(path: String) throws(SymbolFileError) -> LoadedModuleList {
        let text = String(decoding: try SymbolFileReading.contents(of: path), as: UTF8.self)
        let list = LoadedModuleList(parsing: text)
        if list.modules.isEmpty {
            let hasZeroLines = text.split(whereSeparator: \.isNewline).contains { $0.contains(" 0x0000000000000000") }
            throw hasZeroLines ? .kallsymsZeroAddresses(path: path) : .noModules(path: path)
        }
        return list
    }

    /// The module whose core layout contains `address`.
    public func module(containing address: UInt64) -> LoadedModule? {
        modules.first { $0.contains(address) }
    }

    /// The module called `name`.
    public func module(named name: String) -> LoadedModule? {
        modules.first { $0.name == name }
    }
}
