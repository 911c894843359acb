import Foundation
import Synchronization
import Testing
@testable import SGSymbols

/// Module (`.ko`) and combined resolution: sections placed from kallsyms, checked against binutils.
@Suite struct KernelSymbolizerTests {
    /// Runtime section bases chosen for the test module (the kernel places each section separately).
    static let textBase: UInt64 = 0xffff_ffff_c02a_1000
    static let coldBase: UInt64 = 0xffff_ffff_c02b_4000
    static let sectionBases = [".text": textBase, ".text.unlikely": coldBase]

    /// Builds `my-mod.ko` (ET_REL, two text sections) in `mods/` and a kallsyms text for it
    /// (plus a core kernel), and returns the module's function symbols.
    private func makeModule(_ fixture: CompiledFixture, kallsymsExtra: String = "") throws -> [ObjdumpFunction] {
        try FileManager.default.createDirectory(atPath: fixture.path("mods/kernel/drivers"), withIntermediateDirectories: true)
        let module = try fixture.compile(FixtureSources.module, name: "mod", output: "mods/kernel/drivers/my-mod.ko", flags: ["-g", "-O0", "-c"])
        let functions = try CompiledFixture.functions(of: module)
        #expect(Set(functions.map(\.section)) == [".text", ".text.unlikely"])
        var kallsyms = "ffffffff9f200000 T _text\nffffffff9f200100 T core_function\n"
        for function in functions {
            let runtime = Self.sectionBases[function.section]! + function.value
            kallsyms += "\(String(runtime, radix: 16)) t \(function.name)\t[my_mod]\n"
        }
        try (kallsyms + kallsymsExtra).write(toFile: fixture.path("kallsyms"), atomically: true, encoding: .utf8)
        return functions
    }

    @Test func resolvesModuleAddressesThroughTheKoDWARF() throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        let functions = try makeModule(fixture)
        let symbolizer = try KernelSymbolizer(
            KernelSymbolSources(kallsyms: fixture.path("kallsyms"), modulesDirectory: fixture.path("mods")))
        let module = fixture.path("mods/kernel/drivers/my-mod.ko")
        for function in functions {
            for offset in [0, function.size / 2, function.size - 1] {
                let runtime = Self.sectionBases[function.section]! + function.value + offset
                let expected = try CompiledFixture.addr2line(module, function.value + offset, section: function.section)
                let location = try #require(symbolizer.resolve(runtime))
                #expect(location.function == function.name)
                #expect(location.function == expected.function)
                #expect(location.offset == offset)
                #expect(location.module == "my_mod")
                #expect(location.sourceLocation == expected.source, "\(function.name)+\(offset)")
            }
        }
        #expect(symbolizer.moduleProblems.isEmpty)
    }

    @Test func withoutTheKoModuleAddressesFallBackToKallsyms() throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        let functions = try makeModule(fixture)
        let symbolizer = try KernelSymbolizer(KernelSymbolSources(kallsyms: fixture.path("kallsyms")))
        let beta = try #require(functions.first { $0.name == "mod_beta" })
        let location = symbolizer.resolve(Self.textBase + beta.value + 3)
        #expect(location == SymbolLocation(function: "mod_beta", offset: 3, module: "my_mod"))
        #expect(symbolizer.resolve(0xffff_ffff_9f20_0104)?.description == "core_function+0x4")
    }

    @Test func unusableKoFallsBackToKallsymsAndIsReported() throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        _ = try makeModule(fixture, kallsymsExtra: "ffffffffc0400000 t broken_fn\t[broken]\n")
        try "not an object\n".write(toFile: fixture.path("mods/broken.ko"), atomically: true, encoding: .utf8)
        let symbolizer = try KernelSymbolizer(
            KernelSymbolSources(kallsyms: fixture.path("kallsyms"), modulesDirectory: fixture.path("mods")))
        #expect(symbolizer.resolve(0xffff_ffff_c040_0010) == SymbolLocation(function: "broken_fn", offset: 0x10, module: "broken"))
        #expect(symbolizer.resolve(0xffff_ffff_c040_0020)?.function == "broken_fn", "a failed .ko is not retried")
        #expect(symbolizer.moduleProblems == ["\(fixture.path("mods/broken.ko")): not an ELF file"])
        #expect(symbolizer.resolve(Self.textBase)?.line != nil, "the other module still resolves through its .ko")
    }

    @Test func procModulesBaseAloneApproximatesText() throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        let functions = try makeModule(fixture)
        try "my_mod 16384 0 - Live 0x\(String(Self.textBase, radix: 16))\n"
            .write(toFile: fixture.path("modules"), atomically: true, encoding: .utf8)
        let symbolizer = try KernelSymbolizer(
            KernelSymbolSources(procModules: fixture.path("modules"), modulesDirectory: fixture.path("mods")))
        let alpha = try #require(functions.first { $0.name == "mod_alpha" })
        let location = try #require(symbolizer.resolve(Self.textBase + alpha.value + 5))
        #expect(location.function == "mod_alpha")
        #expect(location.offset == 5)
        #expect(location.module == "my_mod")
        #expect(location.line != nil)
        // .text.unlikely has no known base without kallsyms: unresolved rather than guessed.
        #expect(symbolizer.resolve(Self.textBase + 0x3000) == nil)
    }

    @Test func moduleAddressesNeverGoThroughTheVmlinux() throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        _ = try makeModule(fixture)
        let program = try fixture.compile(FixtureSources.program, name: "prog", output: "vmlinux", flags: ["-g", "-O0", "-no-pie"])
        let helper = try #require(try CompiledFixture.functions(of: program).first { $0.name == "helper" })
        // An offset that puts the module's .text exactly over the vmlinux's helper().
        let offset = Self.textBase - helper.value
        let symbolizer = try KernelSymbolizer(
            KernelSymbolSources(vmlinux: program, kallsyms: fixture.path("kallsyms"), kaslrOffset: offset))
        #expect(symbolizer.resolve(Self.textBase)?.module == "my_mod")
        #expect(symbolizer.resolve(offset + helper.value + 1)?.module == "my_mod")
    }

    @Test func vmlinuxWithKallsymsDerivesTheOffsetAndPrefersDWARF() throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        let program = try fixture.compile(FixtureSources.program, name: "prog", output: "vmlinux", flags: ["-g", "-O0", "-no-pie"])
        let functions = try CompiledFixture.functions(of: program)
        let text = try #require(functions.first { $0.name == "_text" })
        let helper = try #require(functions.first { $0.name == "helper" })
        let runtimeText: UInt64 = 0xffff_ffff_9f20_0000
        let offset = runtimeText - text.value
        try "\(String(runtimeText, radix: 16)) T _text\n\(String(helper.value + offset, radix: 16)) T helper\n"
            .write(toFile: fixture.path("kallsyms"), atomically: true, encoding: .utf8)
        let symbolizer = try KernelSymbolizer(KernelSymbolSources(vmlinux: program, kallsyms: fixture.path("kallsyms")))
        #expect(symbolizer.kaslrOffset.value == offset)
        let location = try #require(symbolizer.resolve(helper.value + offset + 2))
        #expect(location.function == "helper")
        #expect(location.offset == 2)
        #expect(location.sourceLocation == (try CompiledFixture.addr2line(program, helper.value + 2).source))
    }

    @Test func framesKnownOnlyByNameGetTheirSourceLine() throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        let functions = try makeModule(fixture)
        let program = try fixture.compile(FixtureSources.program, name: "prog", output: "vmlinux", flags: ["-g", "-O0", "-no-pie"])
        let helper = try #require(try CompiledFixture.functions(of: program).first { $0.name == "helper" })
        let symbolizer = try KernelSymbolizer(
            KernelSymbolSources(
                vmlinux: program, kallsyms: fixture.path("kallsyms"), modulesDirectory: fixture.path("mods"),
                kaslrOffset: 0x1e00_0000))
        // Core kernel: `helper+0x4/0x..` → the vmlinux's DWARF line of helper+4.
        let core = try #require(symbolizer.resolve(function: "helper", offset: 4))
        #expect(core.offset == 4)
        #expect(core.sourceLocation == (try CompiledFixture.addr2line(program, helper.value + 4).source))
        // Module: `mod_cold+0xc/0x22 [my_mod]` → the .ko's DWARF line of .text.unlikely+0xc.
        let cold = try #require(functions.first { $0.name == "mod_cold" })
        let module = try #require(symbolizer.resolve(function: "mod_cold", offset: 0xc, module: "my_mod"))
        #expect(module.module == "my_mod")
        #expect(module.offset == 0xc)
        #expect(module.sourceLocation
            == (try CompiledFixture.addr2line(fixture.path("mods/kernel/drivers/my-mod.ko"), cold.value + 0xc, section: ".text.unlikely").source))
        #expect(symbolizer.resolve(function: "no_such_function", offset: 0) == nil)
        // Through the protocol, as the replay stage sees it (perf names the core kernel kernel.kallsyms).
        let any: any AddressSymbolizer = symbolizer
        #expect(any.resolveFrame(address: nil, function: "helper", offset: 4, module: "kernel.kallsyms") == core)
        #expect(any.resolveFrame(address: nil, function: "mod_cold", offset: 0xc, module: "my_mod") == module)
        #expect(any.resolveFrame(address: 0x1e00_0000 + helper.value + 5, function: "ignored", offset: 1, module: nil)
            == symbolizer.resolveReturnAddress(0x1e00_0000 + helper.value + 5))
        #expect(any.resolveFrame(address: nil, function: nil, offset: nil, module: nil) == nil)
        let plain: any AddressSymbolizer = try KallsymsSymbolizer(path: fixture.path("kallsyms"))
        #expect(plain.resolveFrame(address: nil, function: "mod_cold", offset: 0xc, module: "my_mod") == nil)
        #expect(plain.resolveFrame(address: Self.coldBase + 0xd, function: nil, offset: nil, module: nil)?.offset == 0xd)
        #expect(symbolizer.resolve(function: "mod_cold", offset: 0) == nil, "not a core-kernel function")
        #expect(symbolizer.resolve(function: "helper", offset: helper.size + 0x100) == nil, "offset past the function")
    }

    @Test func concurrentResolutionMatchesSerial() async throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        let functions = try makeModule(fixture)
        let program = try fixture.compile(FixtureSources.program, name: "prog", output: "vmlinux", flags: ["-g", "-O0", "-no-pie"])
        let core = try CompiledFixture.functions(of: program).filter { ["helper", "main", "quiet_add"].contains($0.name) }
        let offset: UInt64 = 0x1e00_0000
        var addresses = functions.flatMap { f in (0..<f.size).map { Self.sectionBases[f.section]! + f.value + $0 } }
        addresses += core.flatMap { f in (0..<f.size).map { offset + f.value + $0 } }
        let sources = KernelSymbolSources(
            vmlinux: program, kallsyms: fixture.path("kallsyms"), modulesDirectory: fixture.path("mods"), kaslrOffset: offset)
        let serial = try KernelSymbolizer(sources)
        let expected = addresses.map { serial.resolve($0) }
        #expect(expected.allSatisfy { $0?.line != nil })
        let shared = try KernelSymbolizer(sources)
        let results = await withTaskGroup(of: [SymbolLocation?].self) { group in
            for worker in 0..<8 {
                let order = worker % 2 == 0 ? addresses : addresses.reversed()
                group.addTask {
                    let resolved = order.map { shared.resolve($0) }
                    return worker % 2 == 0 ? resolved : resolved.reversed()
                }
            }
            var all: [[SymbolLocation?]] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 8)
        for result in results { #expect(result == expected) }
    }

    @Test func systemMapWithExplicitOffsetIsReadAtLinkTime() throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        try "ffffffff81000000 T _text\nffffffff81000100 T core_function\n"
            .write(toFile: fixture.path("System.map"), atomically: true, encoding: .utf8)
        let symbolizer = try KernelSymbolizer(KernelSymbolSources(kallsyms: fixture.path("System.map"), kaslrOffset: 0x1e20_0000))
        #expect(symbolizer.kallsymsIsLinkTime)
        #expect(symbolizer.resolve(0xffff_ffff_9f20_0108)?.description == "core_function+0x8")
    }

    @Test func cacheAnswersRepeatsWithoutResolvingAgain() {
        final class CountingSymbolizer: AddressSymbolizer {
            let calls = Mutex(0)
            func resolve(_ address: UInt64) -> SymbolLocation? {
                calls.withLock { $0 += 1 }
                return address >= 0x1000 ? SymbolLocation(function: "f", offset: address - 0x1000) : nil
            }
        }
        let counting = CountingSymbolizer()
        let cached = CachingSymbolizer(counting, cache: ResolvedAddressCache(capacity: 4))
        for _ in 0..<3 {
            #expect(cached.resolve(0x1010)?.offset == 0x10)
            #expect(cached.resolve(0x10) == nil)
        }
        #expect(counting.calls.withLock { $0 } == 2, "hits and misses are both remembered")
        for address in UInt64(0x2000)..<0x2005 { _ = cached.resolve(address) }
        #expect(cached.cache.count <= 4)
    }
}
