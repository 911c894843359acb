/// One line of `/proc/kallsyms` (`ffffffffc02a1000 t nvme_prep_rq.part.0\t[nvme]`) or `System.map`.
public struct KallsymsSymbol: Sendable, Hashable {
    /// Runtime address (after KASLR for `/proc/kallsyms`; link-time for `System.map`).
    public var address: UInt64
    /// nm-style type letter (`T`, `t`, `D`, `W`, …).
    public var type: Character
    /// Symbol name.
    public var name: String
    /// Module name for module symbols (`nvme`); nil for the core kernel.
    public var module: String?

    public init(address: UInt64, type: Character, name: String, module: String? = nil) {
        self.address = address
        self.type = type
        self.name = name
        self.module = module
    }

    /// Code symbol (`t`, `T`, `w`, `W`).
    public var isText: Bool {
        switch type.asciiValue {
        case UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "w"), UInt8(ascii: "W"): return true
        default: return false
        }
    }

    /// Preference among symbols at the same address (lower is better): code over data,
    /// global over local, real names over the compiler's `__pfx_`/`__cfi_` padding labels.
    var aliasRank: Int {
        var rank = 0
        if !isText { rank += 4 }
        if let letter = type.asciiValue, letter >= UInt8(ascii: "a") { rank += 1 }
        if name.hasPrefix("__pfx_") || name.hasPrefix("__cfi_") { rank += 2 }
        return rank
    }

    /// Parses one kallsyms line; nil when the line is not in that format.
    /// Absolute (`a`/`A`), undefined (`U`) and debug (`N`) symbols are not locations and give nil too.
    static func parse(_ line: ArraySlice<UInt8>) -> KallsymsSymbol? {
        var i = line.startIndex
        let end = line.endIndex
        var address: UInt64 = 0
        var digits = 0
        while i < end, let v = hexValue(line[i]) {
            guard digits < 16 else { return nil }
            address = address << 4 | UInt64(v)
            digits += 1
            i += 1
        }
        guard digits > 0, i < end, line[i] == 0x20 else { return nil }
        i += 1
        guard i + 1 < end, line[i + 1] == 0x20 || line[i + 1] == 0x09 else { return nil }
        let typeByte = line[i]
        guard (0x41...0x5A).contains(typeByte) || (0x61...0x7A).contains(typeByte) else { return nil }
        switch typeByte {
        case UInt8(ascii: "a"), UInt8(ascii: "A"), UInt8(ascii: "U"), UInt8(ascii: "N"): return nil
        default: break
        }
        let type = Character(Unicode.Scalar(typeByte))
        i += 2
        let nameStart = i
        while i < end, line[i] != 0x09, line[i] != 0x20 { i += 1 }
        guard i > nameStart else { return nil }
        let name = String(decoding: line[nameStart..<i], as: UTF8.self)
        var module: String?
        while i < end, line[i] == 0x09 || line[i] == 0x20 { i += 1 }
        if i < end, line[i] == 0x5B, let close = line[i...].firstIndex(of: 0x5D), close > i + 1 {
            module = String(decoding: line[(i + 1)..<close], as: UTF8.self)
        }
        return KallsymsSymbol(address: address, type: type, name: name, module: module)
    }
}

/// The value of an ASCII hex digit.
func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case 0x30...0x39: return byte - 0x30
    case 0x41...0x46: return byte - 0x41 + 10
    case 0x61...0x66: return byte - 0x61 + 10
    default: return nil
    }
}
