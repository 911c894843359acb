/// The kernel's KASLR displacement: runtime address − offset = link-time (vmlinux) address.
public struct KASLROffset: Sendable, Hashable, CustomStringConvertible {
    /// The displacement (wrapping arithmetic; 0 without KASLR).
    public var value: UInt64
    /// Where the value came from, for messages (`--kaslr-offset`, `kallsyms _text`, `none`).
    public var source: String

    public init(value: UInt64, source: String) {
        self.value = value
        self.source = source
    }

    /// No displacement.
    public static let none = KASLROffset(value: 0, source: "none")

    /// Link-time address of a runtime address.
    public func linkAddress(ofRuntime address: UInt64) -> UInt64 { address &- value }

    /// Runtime address of a link-time address.
    public func runtimeAddress(ofLink address: UInt64) -> UInt64 { address &+ value }

    /// The anchor symbols, in order of preference, whose runtime (kallsyms) and link (vmlinux) addresses give the offset.
    public static let anchorSymbols = ["_text", "_stext", "startup_64"]

    /// Derives the offset from the first anchor symbol present in both kallsyms (core kernel) and the vmlinux.
    public static func derive(kallsyms: KallsymsTable, linkAddress: (String) -> UInt64?) -> KASLROffset? {
        for name in anchorSymbols {
            guard let runtime = kallsyms.addresses(of: name).first, let link = linkAddress(name) else { continue }
            return KASLROffset(
                value: runtime &- link,
                source: "kallsyms \(name) 0x\(String(runtime, radix: 16)) − vmlinux \(name) 0x\(String(link, radix: 16))")
        }
        return nil
    }

    /// Parses a hex number with or without `0x` (`0x3e000000`, `3e000000`), surrounding blanks
    /// allowed; at most 16 digits.
    public static func parseHex(_ text: some StringProtocol) -> UInt64? {
        var bytes = Substring(text).utf8[...]
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes = bytes.dropLast() }
        if bytes.starts(with: [0x30, 0x78]) || bytes.starts(with: [0x30, 0x58]) { bytes = bytes.dropFirst(2) }
        guard !bytes.isEmpty, bytes.count <= 16 else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            guard let digit = hexValue(byte) else { return nil }
            value = value << 4 | UInt64(digit)
        }
        return value
    }

    public var description: String { "0x\(String(value, radix: 16)) (\(source))" }
}
