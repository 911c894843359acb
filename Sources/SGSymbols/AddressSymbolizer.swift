/// A kernel code address resolved to a function and, with debug info, a source line.
public struct SymbolLocation: Sendable, Hashable, CustomStringConvertible {
    /// Function name (`nvme_prep_rq.part.0`).
    public var function: String
    /// Offset of the address within the function.
    public var offset: UInt64
    /// Module name for module code (`nvme`); nil for the core kernel.
    public var module: String?
    /// Source file from DWARF line info, when available.
    public var file: String?
    /// Source line from DWARF line info, when available.
    public var line: Int?

    public init(function: String, offset: UInt64, module: String? = nil, file: String? = nil, line: Int? = nil) {
        self.function = function
        self.offset = offset
        self.module = module
        self.file = file
        self.line = line
    }

    /// `function+0xoff [module]`, the kernel's own notation.
    public var description: String {
        "\(function)+0x\(String(offset, radix: 16))" + (module.map { " [\($0)]" } ?? "")
    }

    /// `file:line` when known.
    public var sourceLocation: String? {
        guard let file, let line else { return nil }
        return "\(file):\(line)"
    }
}

/// Resolves kernel addresses (runtime addresses, after KASLR) to symbols.
public protocol AddressSymbolizer: Sendable {
    func resolve(_ address: UInt64) -> SymbolLocation?

    /// Resolves one stack frame as a trace printed it: by `address` when there is one (a return
    /// address: see `resolveReturnAddress`), else by `function` + `offset` [`module`] when the
    /// symbolizer can find the function (`KernelSymbolizer` can; the default cannot).
    /// `module` `kernel.kallsyms` (perf's name for the core kernel) means the core kernel.
    func resolveFrame(address: UInt64?, function: String?, offset: UInt64?, module: String?) -> SymbolLocation?
}

extension AddressSymbolizer {
    public func resolveFrame(address: UInt64?, function: String?, offset: UInt64?, module: String?) -> SymbolLocation? {
        address.flatMap(resolveReturnAddress)
    }
}
