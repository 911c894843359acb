/// Where kernel symbols come from: the `--vmlinux`, `--kallsyms`, `--modules`, `--kaslr-offset`
/// options of CONTRACTS.md (and `--proc-modules`).
public struct KernelSymbolSources: Sendable, Hashable {
    /// vmlinux ELF (symbols; DWARF lines when built with debug info).
    public var vmlinux: String?
    /// `/proc/kallsyms` or `System.map` text; a `/proc/modules` text is recognised here too.
    public var kallsyms: String?
    /// `/proc/modules` text (module load bases).
    public var procModules: String?
    /// Directory searched recursively for `*.ko` files.
    public var modulesDirectory: String?
    /// KASLR offset (runtime − link); derived from kallsyms `_text` vs the vmlinux when nil.
    public var kaslrOffset: UInt64?

    public init(
        vmlinux: String? = nil, kallsyms: String? = nil, procModules: String? = nil,
        modulesDirectory: String? = nil, kaslrOffset: UInt64? = nil
    ) {
        self.vmlinux = vmlinux
        self.kallsyms = kallsyms
        self.procModules = procModules
        self.modulesDirectory = modulesDirectory
        self.kaslrOffset = kaslrOffset
    }

    /// Whether any source is given.
    public var isEmpty: Bool {
        vmlinux == nil && kallsyms == nil && procModules == nil && modulesDirectory == nil
    }
}
