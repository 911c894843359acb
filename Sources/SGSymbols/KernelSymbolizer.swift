import Synchronization

/// Resolves kernel runtime addresses from every source given: module code through its `.ko`
/// (DWARF lines) or kallsyms, core-kernel code through the vmlinux (after the KASLR offset) or
/// kallsyms. Results are cached.
///
/// Which module an address belongs to comes from kallsyms (the module of the nearest symbol) or
/// `/proc/modules` (base and size); module addresses never go through the vmlinux, because a
/// module address minus the KASLR offset can land inside the vmlinux's range.
public final class KernelSymbolizer: AddressSymbolizer {
    /// The vmlinux symbolizer, when a vmlinux was given.
    public let vmlinux: ELFSymbolizer?
    /// The kallsyms table, when given.
    public let kallsyms: KallsymsTable?
    /// Module load bases, when given.
    public let loadedModules: LoadedModuleList?
    /// The `.ko` index, when given.
    public let moduleDirectory: KernelModuleDirectory?
    /// KASLR offset in use for the vmlinux.
    public let kaslrOffset: KASLROffset
    /// Whether the kallsyms file holds link-time addresses (a `System.map`), looked up after subtracting the offset.
    public let kallsymsIsLinkTime: Bool
    /// Remarks on how the sources were combined (offset derivation, disagreements), for a log.
    public let notes: [String]
    private let modules = Mutex<ModuleImages>(ModuleImages())
    private let cache = ResolvedAddressCache()
    private let kallsymsNames = Mutex<[String: [UInt64]]?>(nil)

    /// Loaded `.ko` images by module name; nil records a module that could not be loaded.
    private struct ModuleImages: ~Copyable {
        var images: [String: ModuleImage?] = [:]
        var problems: [String] = []
    }

    /// Loads every given source. Throws the first unusable file (missing, unreadable, not ELF,
    /// kallsyms without addresses). `.ko` files load lazily; their problems go to `moduleProblems`.
    public init(_ sources: KernelSymbolSources) throws(SymbolFileError) {
        var notes: [String] = []
        var kallsyms: KallsymsTable?
        var loadedModules: LoadedModuleList?
        if let path = sources.kallsyms {
            do {
                kallsyms = try KallsymsTable.load(path: path)
            } catch .noSymbols {
                loadedModules = try LoadedModuleList.load(path: path)
                notes.append("\(path): read as /proc/modules (module load bases)")
            }
            if let skipped = kallsyms?.skippedLines, !skipped.isEmpty {
                notes.append("\(path): \(skipped.count) line(s) not in kallsyms format skipped, first at line \(skipped[0])")
            }
        }
        if let path = sources.procModules {
            loadedModules = try LoadedModuleList.load(path: path)
        }
        var offset = sources.kaslrOffset.map { KASLROffset(value: $0, source: "--kaslr-offset") } ?? .none
        var linkTimeKallsyms = false
        var vmlinux: ELFSymbolizer?
        if let path = sources.vmlinux {
            vmlinux = try ELFSymbolizer(vmlinux: path) { linkAddress in
                guard let derived = kallsyms.flatMap({ KASLROffset.derive(kallsyms: $0, linkAddress: linkAddress) })
                else { return offset }
                if sources.kaslrOffset == nil { return derived }
                if derived.value == 0, offset.value != 0 {
                    linkTimeKallsyms = true
                    notes.append("\(sources.kallsyms ?? ""): same _text as the vmlinux: read as link-time (System.map); --kaslr-offset applied to it too")
                } else if derived.value != offset.value {
                    notes.append("--kaslr-offset \(offset) differs from the kallsyms-derived \(derived); using --kaslr-offset")
                }
                return offset
            }
            offset = vmlinux?.kaslrOffset ?? offset
            notes.append("KASLR offset \(offset)")
        } else if sources.kaslrOffset != nil, let kallsyms, !kallsyms.symbols.contains(where: { $0.module != nil }) {
            linkTimeKallsyms = true
            notes.append("\(kallsyms.path): no module symbols: read as link-time (System.map); --kaslr-offset applied to it")
        }
        if let modulesDirectory = sources.modulesDirectory, kallsyms == nil, loadedModules == nil {
            notes.append("\(modulesDirectory): module load addresses unknown without --kallsyms or /proc/modules; .ko files unused")
        }
        self.vmlinux = vmlinux
        self.kallsyms = kallsyms
        self.loadedModules = loadedModules
        self.moduleDirectory = try sources.modulesDirectory.map { path throws(SymbolFileError) in
            try KernelModuleDirectory(path: path)
        }
        self.kaslrOffset = offset
        self.kallsymsIsLinkTime = linkTimeKallsyms
        self.notes = notes
    }

    /// Modules whose `.ko` could not be loaded, with the reason (one line each).
    public var moduleProblems: [String] {
        modules.withLock { $0.problems }
    }

    public func resolve(_ address: UInt64) -> SymbolLocation? {
        cache.location(of: address, compute: resolveUncached)
    }

    /// Resolves a frame known only by name, as ftrace stack traces print it without `sym-addr`
    /// (`__schedule+0x618/0x1a60`, `nvme_queue_rq+0x1c/0x40 [nvme]`): the function's runtime
    /// address (vmlinux symbol table plus KASLR offset for the core kernel, else kallsyms) plus
    /// `offset`, then resolved like an address, which adds the source line. nil when the name is
    /// unknown or ambiguous (several static functions of that name).
    public func resolve(function name: String, offset: UInt64, module: String? = nil) -> SymbolLocation? {
        var start: UInt64?
        if module == nil { start = vmlinux?.runtimeAddress(ofFunction: name) }
        if start == nil, let kallsyms {
            let addresses = kallsymsNames.withLock { index -> [UInt64] in
                if index == nil { index = kallsyms.addressIndex() }
                return index?[KallsymsTable.indexKey(name, module: module)] ?? []
            }
            if addresses.count == 1 {
                start = kallsymsIsLinkTime ? kaslrOffset.runtimeAddress(ofLink: addresses[0]) : addresses[0]
            }
        }
        guard let start, let location = resolve(start &+ offset), location.function == name else { return nil }
        return location
    }

    public func resolveFrame(address: UInt64?, function: String?, offset: UInt64?, module: String?) -> SymbolLocation? {
        if let address { return resolveReturnAddress(address) }
        guard let function, let offset else { return nil }
        return resolve(function: function, offset: offset, module: module == "kernel.kallsyms" ? nil : module)
    }

    private func resolveUncached(_ address: UInt64) -> SymbolLocation? {
        let fromKallsyms = kallsymsLocation(address)
        if let module = fromKallsyms?.module ?? loadedModules?.module(containing: address)?.name {
            return moduleLocation(address, module: module) ?? fromKallsyms
        }
        return vmlinux?.resolve(address) ?? fromKallsyms
    }

    private func kallsymsLocation(_ address: UInt64) -> SymbolLocation? {
        guard let kallsyms else { return nil }
        let key = kallsymsIsLinkTime ? kaslrOffset.linkAddress(ofRuntime: address) : address
        guard let (symbol, offset) = kallsyms.symbol(containing: key) else { return nil }
        if symbol.module == nil, kallsymsIsLinkTime == false, loadedModules?.module(containing: address) != nil {
            return nil  // past the core kernel's last symbol, inside a module kallsyms does not list
        }
        return SymbolLocation(function: symbol.name, offset: offset, module: symbol.module)
    }

    private func moduleLocation(_ address: UInt64, module: String) -> SymbolLocation? {
        guard let moduleDirectory, let file = moduleDirectory.files[module] else { return nil }
        let loadBase = loadedModules?.module(named: module)?.base
        return modules.withLock { state -> SymbolLocation? in
            if let known = state.images[module] { return known?.resolve(address) }
            do {
                let image = try ModuleImage(name: module, path: file, kallsyms: kallsyms, loadBase: loadBase)
                if image.placements.isEmpty {
                    state.problems.append("\(file): no section could be placed (no kallsyms symbols of [\(module)] and no load base)")
                }
                state.images[module] = image
                return image.resolve(address)
            } catch {
                state.problems.append("\(error)")
                state.images[module] = .some(nil)
                return nil
            }
        }
    }
}
