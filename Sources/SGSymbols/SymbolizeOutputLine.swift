/// The line format of `sgreplay symbolize`: one input line (an address as its first word) →
/// `0xADDR function+0xoff [module] file:line`, or `0xADDR ??` when unresolved.
///
/// With `inlines` (`symbolize -i`), an address inside inlined code gives one line per frame of
/// `SymbolLocation.frames`, innermost first, like `eu-addr2line -f -i` and `llvm-symbolizer`:
/// ```
/// 0xADDR inner_helper [module] file:line          (the address's line)
///  (inlined by) middle_helper [module] file:line  (the call site of inner_helper)
///  (inlined by) function+0xoff [module] file:line (the call site of middle_helper)
/// ```
/// An address outside inlined code gives the same single line as without `inlines`.
public enum SymbolizeOutputLine {
    /// Prefix of the continuation lines of an inline chain.
    public static let inlinedByPrefix = " (inlined by) "

    /// The output for one input line (several lines, joined by `\n`, for an inline chain with
    /// `inlines`); nil for a blank line. The first word may be hex with or without `0x`, or in
    /// `<…>` as ftrace's `sym-addr` prints it; another word is echoed as `WORD ??`.
    public static func render(
        _ input: some StringProtocol, inlines: Bool = false, resolve: (UInt64) -> SymbolLocation?
    ) -> String? {
        guard let word = input.split(whereSeparator: { $0 == " " || $0 == "\t" }).first else { return nil }
        var hex = Substring(word)
        if hex.hasPrefix("<") && hex.hasSuffix(">") { hex = hex.dropFirst().dropLast() }
        guard let address = KASLROffset.parseHex(hex) else { return "\(word) ??" }
        let digits = String(address, radix: 16)
        let printed = "0x" + String(repeating: "0", count: max(0, 16 - digits.count)) + digits
        guard let location = resolve(address) else { return "\(printed) ??" }
        guard inlines, !location.inlined.isEmpty else {
            return [printed, location.description, location.sourceLocation].compactMap { $0 }.joined(separator: " ")
        }
        let module = location.module.map { " [\($0)]" } ?? ""
        return location.frames.enumerated().map { index, frame in
            let name = frame.isInlined ? frame.function + module : location.description
            let lead = index == 0 ? printed + " " : inlinedByPrefix
            return lead + ([name, frame.sourceLocation].compactMap { $0 }.joined(separator: " "))
        }.joined(separator: "\n")
    }
}
