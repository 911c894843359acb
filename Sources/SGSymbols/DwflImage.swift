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

/// What libdwfl says about one address: containing symbol, offset, DWARF source line and the
/// functions inlined there.
struct ELFAddressInfo: Sendable, Hashable {
    var function: String
    var offset: UInt64
    var file: String?
    var line: Int?
    var column: Int?
    var inlined: [InlinedCall] = []
    var sourceFunction: String?

    /// As a `SymbolLocation` of `module`.
    func location(module: String? = nil) -> SymbolLocation {
        SymbolLocation(
            function: function, offset: offset, module: module, file: file, line: line, column: column, inlined: inlined,
            sourceFunction: sourceFunction)
    }
}

/// DWARF tag and attribute codes used here (`dwarf.h`).
enum DWARFConstant {
    static let tagInlinedSubroutine: Int32 = 0x1d
    static let tagSubprogram: Int32 = 0x2e
    static let tagNamespace: Int32 = 0x39
    static let atCallColumn: UInt32 = 0x57
    static let atCallFile: UInt32 = 0x58
    static let atCallLine: UInt32 = 0x59
    static let atLinkageName: UInt32 = 0x6e
    static let atMIPSLinkageName: UInt32 = 0x2007
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

    /// Containing symbol, offset and (with DWARF) source line and inline chain of a libdwfl address.
    func info(at address: UInt64) -> ELFAddressInfo? {
        guard let (symbol, offset) = symbolTable.symbol(containing: address, sectionOf: section(containing:))
        else { return nil }
        var result = ELFAddressInfo(function: symbol.name, offset: offset)
        if let line = dwfl_module_getsrc(module, address) {
            var lineNumber: Int32 = 0
            var column: Int32 = 0
            if let file = dwfl_lineinfo(line, nil, &lineNumber, &column, nil, nil), lineNumber > 0 {
                result.file = String(cString: file)
                result.line = Int(lineNumber)
                result.column = column > 0 ? Int(column) : nil
            }
        } else if let found = unitIndex.sourceLine(at: address) {
            result.file = found.file
            result.line = found.line
            result.column = found.column
        }
        (result.sourceFunction, result.inlined) = scopes(at: address)
        return result
    }

    /// The DWARF function holding a libdwfl address and the functions inlined there, innermost
    /// first (what `eu-addr2line -f -i` prints): `dwarf_getscopes` finds the innermost scope
    /// holding the address, `dwarf_getscopes_die` its lexical nesting; every
    /// `DW_TAG_inlined_subroutine` in it is one inlined call, the first `DW_TAG_subprogram` the function.
    private func scopes(at address: UInt64) -> (subprogram: String?, inlined: [InlinedCall]) {
        var unitBias: Dwarf_Addr = 0
        var unit: Dwarf_Die
        if let die = dwfl_module_addrdie(module, address, &unitBias) {
            unit = die.pointee
        } else if let found = unitIndex.unit(at: address) {
            unit = found.die
            unitBias = found.bias
        } else {
            return (nil, [])
        }
        guard let chain = functionScopes.scopes(unit: &unit, pc: address &- unitBias) ?? Self.libdwScopes(&unit, address &- unitBias)
        else { return (nil, []) }
        var files: OpaquePointer?
        if dwarf_getsrcfiles(&unit, &files, nil) != 0 { files = nil }
        var result: [InlinedCall] = []
        var subprogram: String?
        for var scope in chain {
            let tag = dwarf_tag(&scope)
            if tag == DWARFConstant.tagSubprogram {
                subprogram = Self.name(of: &scope)
                break
            }
            guard tag == DWARFConstant.tagInlinedSubroutine else { continue }
            var call = InlinedCall(function: Self.name(of: &scope) ?? "??")
            if let fileIndex = Self.unsigned(&scope, DWARFConstant.atCallFile), let files,
                let name = dwarf_filesrc(files, Int(fileIndex), nil, nil)
            {
                call.callFile = String(cString: name)
            }
            call.callLine = Self.unsigned(&scope, DWARFConstant.atCallLine).flatMap { $0 > 0 ? Int($0) : nil }
            call.callColumn = Self.unsigned(&scope, DWARFConstant.atCallColumn).flatMap { $0 > 0 ? Int($0) : nil }
            result.append(call)
        }
        return (subprogram, result)
    }

    /// The lexical nesting of the innermost scope holding `pc`, innermost first, from libdw
    /// (`dwarf_getscopes`, then `dwarf_getscopes_die` on its first scope, as `eu-addr2line -i`
    /// does): slow, for what `FunctionScopeIndex` does not find.
    private static func libdwScopes(_ unit: inout Dwarf_Die, _ pc: UInt64) -> [Dwarf_Die]? {
        var scopes: UnsafeMutablePointer<Dwarf_Die>?
        let count = Int(dwarf_getscopes(&unit, pc, &scopes))
        guard count > 0, let found = scopes else {
            free(scopes)
            return nil
        }
        var innermost = found[0]
        free(found)
        var nesting: UnsafeMutablePointer<Dwarf_Die>?
        let depth = Int(dwarf_getscopes_die(&innermost, &nesting))
        guard depth > 0, let chain = nesting else {
            free(nesting)
            return nil
        }
        defer { free(chain) }
        return Array(UnsafeBufferPointer(start: chain, count: depth))
    }

    /// A DIE's name as `eu-addr2line` takes it: the linkage name, else `DW_AT_name`, both through
    /// `DW_AT_abstract_origin`/`DW_AT_specification`.
    private static func name(of die: UnsafeMutablePointer<Dwarf_Die>) -> String? {
        var attribute = Dwarf_Attribute()
        for code in [DWARFConstant.atMIPSLinkageName, DWARFConstant.atLinkageName] {
            if dwarf_attr_integrate(die, code, &attribute) != nil, let text = dwarf_formstring(&attribute) {
                return String(cString: text)
            }
        }
        return dwarf_diename(die).map { String(cString: $0) }
    }

    private static func unsigned(_ die: UnsafeMutablePointer<Dwarf_Die>, _ code: UInt32) -> UInt64? {
        var attribute = Dwarf_Attribute()
        var value: Dwarf_Word = 0
        guard dwarf_attr(die, code, &attribute) != nil, dwarf_formudata(&attribute, &value) == 0 else { return nil }
        return value
    }

    /// The allocated sections by address, for the symbol table's same-section test.
    private lazy var sectionsByAddress: [ELFSection] = allocatedSections().sorted { $0.address < $1.address }

    /// Index of the allocated section holding a libdwfl address. As libdwfl's own section lookup
    /// (`__libdwfl_find_section_ndx`), a section's end address counts as inside it unless the
    /// next section starts there.
    private func section(containing address: UInt64) -> Int? {
        let below = sectionsByAddress.countAtOrBelow(address, address: \.address)
        var index = below - 1
        while index >= 0, below - index <= 4 {
            let section = sectionsByAddress[index]
            if section.contains(address) { return section.index }
            if address == section.address &+ section.size, below == index + 1 { return section.index }
            index -= 1
        }
        return nil
    }

    /// The symbols sorted by address.
    private lazy var symbolTable = ELFSymbolTable(module: module)

    /// Compile units by address range, for files whose `.debug_aranges` is missing or partial
    /// (clang never emits it): there libdwfl's own lookup answers "address out of range".
    private lazy var unitIndex = CompileUnitIndex(module: module)

    /// Functions by address per compile unit, for the inline chain.
    private lazy var functionScopes = FunctionScopeIndex()

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
