import CLibDW
import CLibElf
#if canImport(Glibc)
import Glibc
#endif

/// A function symbol of an ELF file, at its libdwfl address.
struct ELFFunctionSymbol: Sendable, Hashable {
    var name: String
    /// Address in libdwfl's address space (link address + bias; for `ET_REL`, libdwfl's own section layout).
    var address: UInt64
    var size: UInt64
    /// ELF section index of the section holding the symbol.
    var sectionIndex: Int
}

/// An allocated section of an ELF file, at its libdwfl address.
struct ELFSection: Sendable, Hashable {
    var index: Int
    var name: String
    var address: UInt64
    var size: UInt64

    func contains(_ address: UInt64) -> Bool {
        address >= self.address && address - self.address < size
    }
}

/// What libdwfl says about one address: containing symbol, offset, and DWARF source line.
struct ELFAddressInfo: Sendable, Hashable {
    var function: String
    var offset: UInt64
    var file: String?
    var line: Int?
}

/// One ELF file (vmlinux or a `.ko`) reported to libdwfl offline (`dwfl_report_offline`).
///
/// Not thread-safe (libdwfl is not): owners serialise access.
final class DwflImage {
    /// The file.
    let path: String
    /// libdwfl address = link address + bias (0 for `ET_EXEC`; libdwfl's load base for `ET_DYN`).
    let bias: UInt64
    /// `ET_REL` (a kernel module): libdwfl lays its sections out itself, one after another.
    let isRelocatable: Bool
    private let dwfl: OpaquePointer
    private let module: OpaquePointer
    private let elf: OpaquePointer
    private let callbacks: UnsafeMutablePointer<Dwfl_Callbacks>
    private let debuginfoPath: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

    /// Loads `path`; `allowCompressed` accepts xz/gzip/zstd `.ko` files (when elfutils was built with them).
    init(path: String, allowCompressed: Bool = false) throws(SymbolFileError) {
        try SymbolFileReading.checkELF(path, allowCompressed: allowCompressed)
        debuginfoPath = .allocate(capacity: 1)
        debuginfoPath.initialize(to: nil)
        callbacks = .allocate(capacity: 1)
        callbacks.initialize(
            to: Dwfl_Callbacks(
                find_elf: dwfl_build_id_find_elf,
                find_debuginfo: dwfl_standard_find_debuginfo,
                section_address: dwfl_offline_section_address,
                debuginfo_path: debuginfoPath))
        guard let dwfl = dwfl_begin(callbacks) else {
            Self.release(callbacks, debuginfoPath)
            throw .elfutils(path: path, reason: Self.lastError())
        }
        let name = String(path.split(separator: "/").last ?? Substring(path))
        guard let module = dwfl_report_offline(dwfl, name, path, -1) else {
            let reason = Self.lastError()
            dwfl_end(dwfl)
            Self.release(callbacks, debuginfoPath)
            throw .elfutils(path: path, reason: reason)
        }
        dwfl_report_end(dwfl, nil, nil)
        var bias: Dwarf_Addr = 0
        var header = GElf_Ehdr()
        guard let elf = dwfl_module_getelf(module, &bias), gelf_getehdr(elf, &header) != nil else {
            let reason = Self.lastError()
            dwfl_end(dwfl)
            Self.release(callbacks, debuginfoPath)
            throw .elfutils(path: path, reason: reason)
        }
        self.path = path
        self.dwfl = dwfl
        self.module = module
        self.elf = elf
        self.bias = bias
        self.isRelocatable = header.e_type == ET_REL
    }

    deinit {
        dwfl_end(dwfl)
        Self.release(callbacks, debuginfoPath)
    }

    private static func release(
        _ callbacks: UnsafeMutablePointer<Dwfl_Callbacks>,
        _ debuginfoPath: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    ) {
        callbacks.deinitialize(count: 1)
        callbacks.deallocate()
        debuginfoPath.deinitialize(count: 1)
        debuginfoPath.deallocate()
    }

    private static func lastError() -> String {
        dwfl_errmsg(-1).map { String(cString: $0) } ?? "unknown libdwfl error"
    }

    /// Whether `address` (libdwfl address) lies inside this file's loaded image.
    func covers(_ address: UInt64) -> Bool {
        dwfl_addrmodule(dwfl, address) == module
    }

    /// Containing symbol, offset and (with DWARF) source line of a libdwfl address.
    func info(at address: UInt64) -> ELFAddressInfo? {
        guard let (symbol, offset) = symbolTable.symbol(containing: address) else { return nil }
        var result = ELFAddressInfo(function: symbol.name, offset: offset)
        if let line = dwfl_module_getsrc(module, address) {
            var lineNumber: Int32 = 0
            if let file = dwfl_lineinfo(line, nil, &lineNumber, nil, nil, nil), lineNumber > 0 {
                result.file = String(cString: file)
                result.line = Int(lineNumber)
            }
        } else if let (file, line) = unitIndex.sourceLine(at: address) {
            result.file = file
            result.line = line
        }
        return result
    }

    /// The symbols sorted by address.
    private lazy var symbolTable = ELFSymbolTable(module: module)

    /// Compile units by address range, for files whose `.debug_aranges` is missing or partial
    /// (clang never emits it): there libdwfl's own lookup answers "address out of range".
    private lazy var unitIndex = CompileUnitIndex(module: module)

    /// The function symbols (`STT_FUNC`) defined in a section.
    func functionSymbols() -> [ELFFunctionSymbol] {
        var result: [ELFFunctionSymbol] = []
        let count = dwfl_module_getsymtab(module)
        guard count > 0 else { return [] }
        for index in 0..<count {
            var symbol = GElf_Sym()
            var address: GElf_Addr = 0
            var section: GElf_Word = 0
            guard let name = dwfl_module_getsym_info(module, index, &symbol, &address, &section, nil, nil),
                symbol.st_info & 0xF == STT_FUNC, section != SHN_UNDEF, section < SHN_LORESERVE
            else { continue }
            result.append(
                ELFFunctionSymbol(
                    name: String(cString: name), address: address, size: symbol.st_size, sectionIndex: Int(section)))
        }
        return result
    }

    /// The link address (libdwfl address − bias) of the first symbol called `name`, of any type.
    func linkAddress(ofSymbol name: String) -> UInt64? {
        let count = dwfl_module_getsymtab(module)
        guard count > 0 else { return nil }
        for index in 0..<count {
            var symbol = GElf_Sym()
            var address: GElf_Addr = 0
            guard let symbolName = dwfl_module_getsym_info(module, index, &symbol, &address, nil, nil, nil),
                symbol.st_shndx != SHN_UNDEF, strcmp(symbolName, name) == 0
            else { continue }
            return address &- bias
        }
        return nil
    }

    /// libdwfl address of the function called `name`; nil when absent or when several functions
    /// (static ones in different files) share the name.
    func functionAddress(named name: String) -> UInt64? {
        functionAddresses[name] ?? nil
    }

    private lazy var functionAddresses: [String: UInt64?] = {
        var result: [String: UInt64?] = [:]
        for function in functionSymbols() {
            if let known = result[function.name], known != function.address {
                result[function.name] = .some(nil)
            } else {
                result[function.name] = function.address
            }
        }
        return result
    }()

    /// The allocated (`SHF_ALLOC`) sections with their libdwfl addresses.
    func allocatedSections() -> [ELFSection] {
        var stringsIndex = 0
        guard elf_getshdrstrndx(elf, &stringsIndex) == 0 else { return [] }
        var result: [ELFSection] = []
        var section = elf_nextscn(elf, nil)
        while let current = section {
            var header = GElf_Shdr()
            if gelf_getshdr(current, &header) != nil, header.sh_flags & UInt64(SHF_ALLOC) != 0, header.sh_size > 0 {
                let name = elf_strptr(elf, stringsIndex, Int(header.sh_name)).map { String(cString: $0) } ?? ""
                result.append(
                    ELFSection(index: elf_ndxscn(current), name: name, address: header.sh_addr &+ bias, size: header.sh_size))
            }
            section = elf_nextscn(elf, current)
        }
        return result
    }
}
