import Foundation
import Testing
@testable import SGSymbols

/// `/proc/modules` parsing and KASLR offset arithmetic.
@Suite struct LoadedModuleAndOffsetTests {
    @Test func parsesProcModules() {
        let list = LoadedModuleList(parsing: """
            nvme 57344 0 - Live 0xffffffffc02a1000
            nvme_core 200704 1 nvme, Live 0xffffffffc0240000 (OE)
            broken line
            """)
        #expect(list.modules == [
            LoadedModule(name: "nvme", base: 0xffff_ffff_c02a_1000, size: 57344),
            LoadedModule(name: "nvme_core", base: 0xffff_ffff_c024_0000, size: 200_704),
        ])
        #expect(list.module(containing: 0xffff_ffff_c02a_1000)?.name == "nvme")
        #expect(list.module(containing: 0xffff_ffff_c02a_1000 + 57343)?.name == "nvme")
        #expect(list.module(containing: 0xffff_ffff_c02a_1000 + 57344) == nil)
        #expect(list.module(containing: 0xffff_ffff_c024_0010)?.name == "nvme_core")
        #expect(list.module(named: "nvme_core")?.base == 0xffff_ffff_c024_0000)
    }

    @Test func unprivilegedProcModulesIsAClearError() throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        let path = fixture.path("modules")
        try "nvme 57344 0 - Live 0x0000000000000000\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: SymbolFileError.kallsymsZeroAddresses(path: path)) { try LoadedModuleList.load(path: path) }
        try "hello\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: SymbolFileError.noModules(path: path)) { try LoadedModuleList.load(path: path) }
    }

    @Test func offsetArithmetic() {
        let offset = KASLROffset(value: 0x1e20_0000, source: "test")
        #expect(offset.linkAddress(ofRuntime: 0xffff_ffff_9f20_0000) == 0xffff_ffff_8100_0000)
        #expect(offset.runtimeAddress(ofLink: 0xffff_ffff_8100_0000) == 0xffff_ffff_9f20_0000)
        // Wrapping: a negative displacement (runtime below link) round-trips too.
        let negative = KASLROffset(value: 0 &- 0x1000, source: "test")
        #expect(negative.linkAddress(ofRuntime: 0xffff_ffff_8100_0000) == 0xffff_ffff_8100_1000)
        #expect(negative.runtimeAddress(ofLink: negative.linkAddress(ofRuntime: 42)) == 42)
    }

    @Test func offsetDerivationPrefersTextThenStext() throws {
        let kallsyms = try KallsymsTable(
            parsing: Array("ffffffff9f200000 T _text\nffffffff9f201000 T _stext\n".utf8), path: "k")
        let fromText = KASLROffset.derive(kallsyms: kallsyms) { $0 == "_text" ? 0xffff_ffff_8100_0000 : nil }
        #expect(fromText?.value == 0x1e20_0000)
        #expect(fromText?.source.contains("_text") == true)
        let fromStext = KASLROffset.derive(kallsyms: kallsyms) { $0 == "_stext" ? 0xffff_ffff_8100_1000 : nil }
        #expect(fromStext?.value == 0x1e20_0000)
        #expect(KASLROffset.derive(kallsyms: kallsyms) { _ in nil } == nil)
    }

    @Test func parsesHexWithAndWithoutPrefix() {
        #expect(KASLROffset.parseHex("0x1e200000") == 0x1e20_0000)
        #expect(KASLROffset.parseHex("1E200000") == 0x1e20_0000)
        #expect(KASLROffset.parseHex(" ffffffff81000000 ") == 0xffff_ffff_8100_0000)
        #expect(KASLROffset.parseHex("0x") == nil)
        #expect(KASLROffset.parseHex("xyz") == nil)
        #expect(KASLROffset.parseHex("1ffffffffffffffff") == nil)
    }

    @Test func moduleNamesFromFileNames() {
        #expect(KernelModuleDirectory.moduleName(ofFile: "kernel/drivers/nvme/host/nvme-core.ko.xz") == "nvme_core")
        #expect(KernelModuleDirectory.moduleName(ofFile: "nvme.ko") == "nvme")
        #expect(KernelModuleDirectory.moduleName(ofFile: "mlx5_core.ko.zst") == "mlx5_core")
        #expect(KernelModuleDirectory.moduleName(ofFile: "modules.dep") == nil)
        #expect(KernelModuleDirectory.moduleName(ofFile: ".ko") == nil)
    }
}
