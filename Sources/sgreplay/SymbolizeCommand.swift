import ArgumentParser
import SGSymbols

/// `sgreplay symbolize`: kernel addresses → `function+0xoff [module] file:line` (see CONTRACTS.md).
struct SymbolizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "symbolize",
        abstract: "Resolve kernel addresses to function+offset [module] and file:line.",
        discussion: """
            Addresses come from the arguments, or from standard input one per line when there are none \
            or the only one is '-' (hex, with or without 0x; the first word of each line). Each prints as \
            'ADDR function+0xoff [module] file:line', or 'ADDR ??' when no source resolves it. With -i, an \
            address in inlined code prints its inline chain, innermost first.
            """
    )

    @Option(name: .long, help: "vmlinux ELF (symbols; source lines when built with debug info).")
    var vmlinux: String?

    @Option(name: .long, help: "/proc/kallsyms or System.map text (a /proc/modules text is recognised too).")
    var kallsyms: String?

    @Option(name: .customLong("proc-modules"), help: "/proc/modules text (module load bases).")
    var procModules: String?

    @Option(name: .long, help: "Directory searched recursively for *.ko files (needs --kallsyms or --proc-modules).")
    var modules: String?

    @Option(name: .customLong("kaslr-offset"), help: "KASLR offset in hex (runtime - link); default: derived from kallsyms _text.")
    var kaslrOffset: String?

    @Flag(name: .customLong("return-addresses"), help: "Treat addresses as stack return addresses (look up address-1, like %pB).")
    var returnAddresses = false

    @Flag(
        name: [.customShort("i"), .long],
        help: "Show inlined functions: an address in inlined code prints one line per frame, innermost first, the outer ones as ' (inlined by) FUNCTION [module] file:line' (like eu-addr2line -f -i).")
    var inlines = false

    @Flag(name: .long, help: "Print how the sources were combined (KASLR offset, module problems) to standard error.")
    var verbose = false

    @Argument(help: "Addresses, or '-' for standard input.")
    var addresses: [String] = []

    func validate() throws {
        if vmlinux == nil && kallsyms == nil {
            throw ValidationError("give --vmlinux FILE or --kallsyms FILE")
        }
        if let kaslrOffset, KASLROffset.parseHex(kaslrOffset) == nil {
            throw ValidationError("--kaslr-offset '\(kaslrOffset)' is not a hex number")
        }
    }

    func run() throws {
        let sources = KernelSymbolSources(
            vmlinux: vmlinux, kallsyms: kallsyms, procModules: procModules, modulesDirectory: modules,
            kaslrOffset: kaslrOffset.flatMap { KASLROffset.parseHex($0) })
        let symbolizer: KernelSymbolizer
        do {
            symbolizer = try KernelSymbolizer(sources)
        } catch {
            FileHandleStandardError.write("sgreplay symbolize: \(error)\n")
            throw ExitCode(ExitStatus.usage)
        }
        if verbose {
            for note in symbolizer.notes { FileHandleStandardError.write("sgreplay symbolize: \(note)\n") }
        }
        let fromStandardInput = addresses.isEmpty || addresses == ["-"]
        let resolve = returnAddresses ? symbolizer.resolveReturnAddress : symbolizer.resolve
        var output = ""
        func emit(_ text: String) {
            guard let line = SymbolizeOutputLine.render(text, inlines: inlines, resolve: resolve) else { return }
            output += line + "\n"
            if output.utf8.count > 1 << 16 {
                print(output, terminator: "")
                output = ""
            }
        }
        if fromStandardInput {
            while let line = readLine() { emit(line) }
        } else {
            for address in addresses { emit(address) }
        }
        print(output, terminator: "")
        if verbose {
            for problem in symbolizer.moduleProblems { FileHandleStandardError.write("sgreplay symbolize: \(problem)\n") }
        }
    }
}
