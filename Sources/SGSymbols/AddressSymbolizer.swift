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
    /// Source line from DWARF line info, when available. With inlining, this is the line of the
    /// innermost inlined function (the line of the address itself), not of `function`.
    public var line: Int?
    /// Source column from DWARF line info, when the compiler recorded one (gcc does by default).
    public var column: Int?
    /// The functions inlined at this address, innermost first, from the DWARF scopes
    /// (`DW_TAG_inlined_subroutine`); empty when the address is not in inlined code or there is
    /// no DWARF. `function` stays the symbol that holds the code (the outermost frame).
    public var inlined: [InlinedCall]
    /// The DWARF function (`DW_TAG_subprogram`) holding the address, when DWARF covers it: the
    /// source-level name of `function` (`nvme_map_data` for the symbol `nvme_map_data.cold` or
    /// `.part.0`, `.isra.0`, `.constprop.0`), and the outermost frame of `frames`.
    public var sourceFunction: String?

    public init(
        function: String, offset: UInt64, module: String? = nil, file: String? = nil, line: Int? = nil,
        column: Int? = nil, inlined: [InlinedCall] = [], sourceFunction: String? = nil
    ) {
        self.function = function
        self.offset = offset
        self.module = module
        self.file = file
        self.line = line
        self.column = column
        self.inlined = inlined
        self.sourceFunction = sourceFunction
    }

    /// The whole source-level chain at this address, innermost first, as `eu-addr2line -f -i`
    /// and `llvm-symbolizer` print it: each inlined function, then `function`. The innermost
    /// frame's location is the address's line (`file`/`line`); each outer frame's location is the
    /// call site of the frame inside it. The outermost frame is `sourceFunction` (else `function`).
    /// One frame when nothing is inlined.
    public var frames: [SourceFrame] {
        var result: [SourceFrame] = []
        result.reserveCapacity(inlined.count + 1)
        var file = self.file
        var line = self.line
        var column = self.column
        for call in inlined {
            result.append(SourceFrame(function: call.function, file: file, line: line, column: column, isInlined: true))
            file = call.callFile
            line = call.callLine
            column = call.callColumn
        }
        result.append(SourceFrame(function: sourceFunction ?? function, file: file, line: line, column: column, isInlined: false))
        return result
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

/// One function inlined at an address (a `DW_TAG_inlined_subroutine` scope containing it) and
/// where it was inlined: `DW_AT_call_file`/`DW_AT_call_line`/`DW_AT_call_column`, a line of the
/// function one level further out.
public struct InlinedCall: Sendable, Hashable {
    /// The inlined function's name (`DW_AT_linkage_name`, else `DW_AT_name` through its abstract origin).
    public var function: String
    /// File of the call site (in the caller), when DWARF names it.
    public var callFile: String?
    /// Line of the call site, when DWARF gives a nonzero one.
    public var callLine: Int?
    /// Column of the call site, when DWARF gives a nonzero one.
    public var callColumn: Int?

    public init(function: String, callFile: String? = nil, callLine: Int? = nil, callColumn: Int? = nil) {
        self.function = function
        self.callFile = callFile
        self.callLine = callLine
        self.callColumn = callColumn
    }
}

/// One frame of a source-level chain (`SymbolLocation.frames`): a function and the source
/// location inside it (for all but the innermost frame, the call site of the next frame in).
public struct SourceFrame: Sendable, Hashable {
    /// Function name: the DWARF name (for the outermost frame, the symbol's name when there is no DWARF).
    public var function: String
    public var file: String?
    public var line: Int?
    public var column: Int?
    /// Whether this frame is inlined into the next one out (false for the outermost frame).
    public var isInlined: Bool

    public init(function: String, file: String?, line: Int?, column: Int? = nil, isInlined: Bool) {
        self.function = function
        self.file = file
        self.line = line
        self.column = column
        self.isInlined = isInlined
    }

    /// `file:line` when known (no column, like `SymbolLocation.sourceLocation`).
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
