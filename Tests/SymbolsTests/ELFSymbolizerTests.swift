import Testing
@testable import SGSymbols

/// vmlinux-style resolution through libdwfl against gcc-built executables, checked against binutils.
@Suite struct ELFSymbolizerTests {
    /// Addresses at the start, the middle and the last byte of every function of `file`, at link time.
    private func probes(_ file: String, names: Set<String>) throws -> [(address: UInt64, function: ObjdumpFunction)] {
        let functions = try CompiledFixture.functions(of: file).filter { names.contains($0.name) }
        #expect(Set(functions.map(\.name)) == names)
        return functions.flatMap { function in
            [0, function.size / 2, function.size - 1].map { (function.value + $0, function) }
        }
    }

    @Test func resolvesFunctionOffsetAndLineLikeBinutils() throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        let program = try fixture.compile(FixtureSources.program, name: "prog", output: "prog", flags: ["-g", "-O0", "-no-pie"])
        let symbolizer = try ELFSymbolizer(vmlinux: program)
        let probes = try probes(program, names: ["helper", "quiet_add", "main"])
        var lines = Set<Int>()
        for (address, function) in probes {
            let expected = try CompiledFixture.addr2line(program, address)
            let location = try #require(symbolizer.resolve(address), "0x\(String(address, radix: 16))")
            #expect(location.function == function.name)
            #expect(location.function == expected.function)
            #expect(location.offset == address - function.value)
            #expect(location.module == nil)
            #expect(location.sourceLocation == expected.source)
            lines.insert(location.line ?? 0)
        }
        #expect(lines.count >= 6, "offsets inside functions map to distinct lines")
    }

    @Test func findsLinesWithoutDebugAranges() throws {
        // clang emits no .debug_aranges; libdw's own lookup then fails and the compile-unit index answers.
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        let program = try fixture.compile(FixtureSources.program, name: "prog", output: "prog", flags: ["-g", "-O0", "-no-pie"])
        let stripped = fixture.path("prog-noaranges")
        _ = try Tool.run(["objcopy", "--remove-section", ".debug_aranges", program, stripped])
        #expect(!(try Tool.run(["readelf", "-SW", stripped]).contains(".debug_aranges")))
        let symbolizer = try ELFSymbolizer(vmlinux: stripped)
        for (address, function) in try probes(stripped, names: ["helper", "quiet_add", "main"]) {
            let location = try #require(symbolizer.resolve(address))
            #expect(location.function == function.name)
            #expect(location.sourceLocation != nil)
            #expect(location.sourceLocation == (try CompiledFixture.addr2line(stripped, address).source))
        }
    }

    @Test func subtractsTheKASLROffset() throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        let program = try fixture.compile(FixtureSources.program, name: "prog", output: "prog", flags: ["-g", "-O0", "-no-pie"])
        let offset: UInt64 = 0xffff_ffff_8000_0000 - 0x40_0000 + 0x1e00_0000
        let plain = try ELFSymbolizer(vmlinux: program)
        let displaced = try ELFSymbolizer(vmlinux: program, kaslrOffset: KASLROffset(value: offset, source: "test"))
        for (address, function) in try probes(program, names: ["helper", "main"]) {
            let runtime = address &+ offset
            #expect(displaced.resolve(runtime) == plain.resolve(address))
            #expect(displaced.resolve(runtime)?.function == function.name)
            #expect(displaced.resolve(address) == nil, "link address is not a runtime address any more")
        }
    }

    @Test func derivesTheKASLROffsetFromKallsymsText() throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        let program = try fixture.compile(FixtureSources.program, name: "prog", output: "prog", flags: ["-g", "-O0", "-no-pie"])
        let text = try #require(try CompiledFixture.functions(of: program).first { $0.name == "_text" })
        let helper = try #require(try CompiledFixture.functions(of: program).first { $0.name == "helper" })
        let runtimeText: UInt64 = 0xffff_ffff_9e20_0000
        let kallsyms = try KallsymsTable(
            parsing: Array("\(String(runtimeText, radix: 16)) T _text\n".utf8), path: "kallsyms")
        let symbolizer = try ELFSymbolizer(vmlinux: program, kallsyms: kallsyms)
        #expect(symbolizer.kaslrOffset.value == runtimeText - text.value)
        #expect(symbolizer.linkAddress(ofSymbol: "_text") == text.value)
        let location = symbolizer.resolve(runtimeText - text.value + helper.value + 4)
        #expect(location?.function == "helper")
        #expect(location?.offset == 4)
    }

    @Test func positionIndependentExecutableUsesLinkAddresses() throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        let program = try fixture.compile(FixtureSources.program, name: "prog", output: "prog-pie", flags: ["-g", "-O0", "-pie", "-fPIE"])
        for (address, function) in try probes(program, names: ["helper", "main"]) {
            let location = try ELFSymbolizer(vmlinux: program).resolve(address)
            #expect(location?.function == function.name)
            #expect(location?.offset == address - function.value)
            #expect(location?.sourceLocation == (try CompiledFixture.addr2line(program, address).source))
        }
    }

    @Test func withoutDebugInfoGivesFunctionOnly() throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        let program = try fixture.compile(FixtureSources.program, name: "prog", output: "prog-nodebug", flags: ["-O0", "-no-pie"])
        let symbolizer = try ELFSymbolizer(vmlinux: program)
        for (address, function) in try probes(program, names: ["helper", "main"]) {
            let location = try #require(symbolizer.resolve(address))
            #expect(location.function == function.name)
            #expect(location.offset == address - function.value)
            #expect(location.file == nil && location.line == nil)
        }
    }

    @Test func addressesOutsideTheImageAreUnresolved() throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        let program = try fixture.compile(FixtureSources.program, name: "prog", output: "prog", flags: ["-g", "-O0", "-no-pie"])
        let symbolizer = try ELFSymbolizer(vmlinux: program)
        #expect(symbolizer.resolve(0) == nil)
        #expect(symbolizer.resolve(0x1000) == nil)
        #expect(symbolizer.resolve(0xffff_ffff_c000_0000) == nil)
    }

    @Test func returnAddressesResolveLikePercentPB() throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        let program = try fixture.compile(FixtureSources.program, name: "prog", output: "prog", flags: ["-g", "-O0", "-no-pie"])
        let symbolizer = try ELFSymbolizer(vmlinux: program)
        let helper = try #require(try CompiledFixture.functions(of: program).first { $0.name == "helper" })
        // The return address just past the function's last byte belongs to the function (address - 1).
        let end = helper.value + helper.size
        let location = try #require(symbolizer.resolveReturnAddress(end))
        #expect(location.function == "helper")
        #expect(location.offset == helper.size)
        #expect(location.sourceLocation == (try CompiledFixture.addr2line(program, end - 1).source))
        #expect(symbolizer.resolve(end)?.function != "helper")
    }
}

extension ELFSymbolizerTests {
    /// An assembly object with more labels inside it than a short look-back covers (the
    /// kernel's __x86_indirect_thunk_array: a sizeless label every 32 bytes of a 512-byte
    /// object) resolves to the object at every label, as eu-addr2line and libdwfl say.
    @Test func labelsInsideABigSizedObjectResolveToIt() throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        var asm = ".text\\n.globl thunk_array\\n.type thunk_array, @function\\nthunk_array:\\n"
        for r in 0 ..< 16 { asm += ".globl thunk_r\(r)\\n.type thunk_r\(r), @function\\nthunk_r\(r):\\n.skip 32, 0x90\\n" }
        asm += ".size thunk_array, 512\\n"
        let source = "__asm__(\"\(asm)\");\nint main(void) { return 0; }\n"
        let elf = try fixture.compile(source, name: "thunks", output: "thunks", flags: ["-O0", "-no-pie"])
        let symbolizer = try ELFSymbolizer(vmlinux: elf)
        let base = try #require(symbolizer.linkAddress(ofSymbol: "thunk_array"))
        for r in 0 ..< 16 {
            let location = symbolizer.resolve(base + UInt64(32 * r) + 4)
            #expect(location?.function == "thunk_array", "thunk_r\(r): \(String(describing: location))")
            #expect(location?.offset == UInt64(32 * r) + 4)
        }
    }
}
