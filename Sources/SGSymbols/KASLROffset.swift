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

    /// Parses a hex number with or without `0x` (`0x3e000000`, `3e000000`).
    public static func parseHex(_ text: some StringProtocol) -> UInt64? {
        var digits = Substring(text.trimmingCharacters(in: " \t"))
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
        guard !digits.isEmpty, digits.count <= 16 else { return nil }
        return UInt64(digits, radix: 16)
    }

    public var description: String { "0x\(String(value, radix: 16)) (\(source))" }
}

extension StringProtocol {
    /// The text without leading and trailing characters from `set` (no Foundation needed).
    func trimmingCharacters(in set: String) -> Substring {
        let trimmedStart = drop(while: { set.contains($0) })
        var end = trimmedStart.endIndex
        while end > trimmedStart.startIndex, set.contains(trimmedStart[trimmedStart.index(before: end)]) {
            end = trimmedStart.index(before: end)
        }
        return Substring(trimmedStart[trimmedStart.startIndex..<end])
    }
}
