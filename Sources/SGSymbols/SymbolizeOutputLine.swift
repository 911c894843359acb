/// The line format of `sgreplay symbolize`: one input line (an address as its first word) →
/// `0xADDR function+0xoff [module] file:line`, or `0xADDR ??` when unresolved.
public enum SymbolizeOutputLine {
    /// The output line for one input line; nil for a blank line. The first word may be hex with
    /// or without `0x`, or in `<…>` as ftrace's `sym-addr` prints it; another word is echoed as `WORD ??`.
    public static func render(_ input: some StringProtocol, resolve: (UInt64) -> SymbolLocation?) -> String? {
        guard let word = input.split(whereSeparator: { $0 == " " || $0 == "\t" }).first else { return nil }
        var hex = Substring(word)
        if hex.hasPrefix("<") && hex.hasSuffix(">") { hex = hex.dropFirst().dropLast() }
        guard let address = KASLROffset.parseHex(hex) else { return "\(word) ??" }
        let digits = String(address, radix: 16)
        let printed = "0x" + String(repeating: "0", count: max(0, 16 - digits.count)) + digits
        guard let location = resolve(address) else { return "\(printed) ??" }
        return [printed, location.description, location.sourceLocation].compactMap { $0 }.joined(separator: " ")
    }
}
