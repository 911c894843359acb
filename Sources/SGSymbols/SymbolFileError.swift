/// Why a symbol source (vmlinux, module, kallsyms file) could not be used.
///
/// Every case names the file; `description` is one line meant for standard error.
public enum SymbolFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file does not exist.
    case missing(path: String)
    /// The file exists but could not be opened or read.
    case unreadable(path: String, reason: String)
    /// The file is readable but does not start with the ELF magic (or a known compression magic for modules).
    case notELF(path: String)
    /// elfutils rejected the ELF file.
    case elfutils(path: String, reason: String)
    /// A kallsyms file whose addresses are all zero: it was read without privilege (`kptr_restrict`).
    case kallsymsZeroAddresses(path: String)
    /// A kallsyms or module-list file without a single usable line.
    case noSymbols(path: String)
    /// A module-list file without a single module line with a non-zero address.
    case noModules(path: String)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .missing(let path), .unreadable(let path, _), .notELF(let path), .elfutils(let path, _),
            .kallsymsZeroAddresses(let path), .noSymbols(let path), .noModules(let path):
            return path
        }
    }

    public var description: String {
        switch self {
        case .missing(let path):
            return "\(path): no such file"
        case .unreadable(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .notELF(let path):
            return "\(path): not an ELF file"
        case .elfutils(let path, let reason):
            return "\(path): elfutils cannot load it: \(reason)"
        case .kallsymsZeroAddresses(let path):
            return "\(path): every symbol address is zero (kallsyms read without privilege; read /proc/kallsyms as root or set kernel.kptr_restrict=0)"
        case .noSymbols(let path):
            return "\(path): no symbol lines in kallsyms format ('ffffffff81000000 T _text')"
        case .noModules(let path):
            return "\(path): no module lines in /proc/modules format ('nvme 57344 0 - Live 0xffffffffc02a1000')"
        }
    }
}
