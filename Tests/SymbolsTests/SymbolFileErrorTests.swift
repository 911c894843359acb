import Foundation
import Testing
@testable import SGSymbols

/// Unusable symbol files fail with one clear message naming the file.
@Suite struct SymbolFileErrorTests {
    @Test func missingVmlinux() throws {
        let path = "/nonexistent/dir/vmlinux"
        #expect(throws: SymbolFileError.missing(path: path)) { try ELFSymbolizer(vmlinux: path) }
        #expect(SymbolFileError.missing(path: path).description == "/nonexistent/dir/vmlinux: no such file")
    }

    @Test func notAnELFFile() throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        let text = fixture.path("vmlinux")
        try "not an elf\n".write(toFile: text, atomically: true, encoding: .utf8)
        #expect(throws: SymbolFileError.notELF(path: text)) { try ELFSymbolizer(vmlinux: text) }
        let empty = fixture.path("empty")
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        #expect(throws: SymbolFileError.notELF(path: empty)) { try ELFSymbolizer(vmlinux: empty) }
        #expect(SymbolFileError.notELF(path: text).description.hasPrefix(text))
    }

    @Test func directoryIsNotAnELFFile() throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        #expect(throws: SymbolFileError.unreadable(path: fixture.directory.path, reason: "is a directory")) {
            try ELFSymbolizer(vmlinux: fixture.directory.path)
        }
    }

    @Test func truncatedELFIsRejectedByElfutils() throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        let truncated = fixture.path("truncated")
        _ = FileManager.default.createFile(atPath: truncated, contents: Data([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0]))
        do {
            _ = try ELFSymbolizer(vmlinux: truncated)
            Issue.record("a truncated ELF header loaded")
        } catch {
            guard case .elfutils(let path, let reason) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(path == truncated)
            #expect(!reason.isEmpty)
        }
    }

    @Test func unreadableFile() throws {
        guard getuid() != 0 else { return }  // root reads everything
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        let locked = fixture.path("locked")
        _ = FileManager.default.createFile(atPath: locked, contents: Data([0x7F, 0x45, 0x4C, 0x46]), attributes: [.posixPermissions: 0])
        #expect(throws: SymbolFileError.self) { try ELFSymbolizer(vmlinux: locked) }
    }

    @Test func kernelSymbolizerReportsTheFirstBadFile() throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        let kallsyms = fixture.path("kallsyms")
        try "0000000000000000 T _text\n0000000000000000 t mod_fn\t[nvme]\n".write(toFile: kallsyms, atomically: true, encoding: .utf8)
        #expect(throws: SymbolFileError.kallsymsZeroAddresses(path: kallsyms)) {
            try KernelSymbolizer(KernelSymbolSources(kallsyms: kallsyms))
        }
        #expect(throws: SymbolFileError.missing(path: fixture.path("nope"))) {
            try KernelSymbolizer(KernelSymbolSources(kallsyms: fixture.path("nope")))
        }
        let good = fixture.path("good")
        try "ffffffff81000000 T _text\n".write(toFile: good, atomically: true, encoding: .utf8)
        #expect(throws: SymbolFileError.missing(path: fixture.path("mods"))) {
            try KernelSymbolizer(KernelSymbolSources(kallsyms: good, modulesDirectory: fixture.path("mods")))
        }
        #expect(throws: SymbolFileError.notELF(path: good)) {
            try KernelSymbolizer(KernelSymbolSources(vmlinux: good, kallsyms: good))
        }
    }
}
