import Foundation
import Testing
@testable import SGSymbols

/// `eu-addr2line -a -f -i` as a reference: the frames of one address, innermost first, each
/// `(function, file:line[:column])`, `??` for unknown.
enum EUAddr2Line {
    static var path: String? {
        ["/usr/bin/eu-addr2line", "/usr/local/bin/eu-addr2line"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    struct Frame: Hashable, CustomStringConvertible {
        var function: String
        var source: String?
        var description: String { "\(function) \(source ?? "??:0")" }
    }

    /// Runs it on `addresses` (link addresses) of `file`.
    static func frames(_ file: String, _ addresses: [UInt64], in fixture: CompiledFixture) throws -> [UInt64: [Frame]] {
        let list = fixture.path("addresses-\(UUID().uuidString)")
        try addresses.map { "0x" + String($0, radix: 16) }.joined(separator: "\n").write(toFile: list, atomically: true, encoding: .utf8)
        // Exit status 1 when some address is unknown: the output still has every address.
        let output = try Tool.run(["sh", "-c", "eu-addr2line -a -f -i -e '\(file)' < '\(list)' || [ $? = 1 ]"])
        var result: [UInt64: [Frame]] = [:]
        var current: UInt64?
        var lines: [Substring] = []
        func flush() {
            guard let current else { return }
            var frames: [Frame] = []
            var index = 0
            while index + 1 < lines.count {
                let name = lines[index].split(separator: " ").first.map(String.init) ?? "??"
                let source = String(lines[index + 1])
                frames.append(Frame(function: name, source: source.hasPrefix("??:") || source.hasSuffix(":0") ? nil : source))
                index += 2
            }
            result[current] = frames
        }
        for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("0x"), !line.contains(" "), let address = UInt64(line.dropFirst(2), radix: 16) {
                flush()
                current = address
                lines = []
            } else if !line.isEmpty {
                lines.append(line)
            }
        }
        flush()
        return result
    }
}

/// The same frames from our symbolizer: `SymbolLocation.frames`, `??` when unresolved.
private func ourFrames(_ location: SymbolLocation?) -> [EUAddr2Line.Frame] {
    guard let location else { return [EUAddr2Line.Frame(function: "??", source: nil)] }
    return location.frames.map { frame in
        var source = frame.sourceLocation
        if let text = source, let column = frame.column { source = text + ":\(column)" }
        return EUAddr2Line.Frame(function: frame.function, source: source)
    }
}

/// The inline chains of `SymbolLocation` against `eu-addr2line -f -i`, on gcc-built ELFs whose
/// code is mostly inlined helpers (scripts/inline-fixture.py: 240 noinline functions, static
/// inline helpers nested three deep from a header, `.cold` parts, a `.constprop.0` clone).
@Suite(.enabled(if: EUAddr2Line.path != nil, "eu-addr2line is not installed (Debian: elfutils); the comparisons with it are skipped"))
struct InlineChainTests {
    static let generator = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/inline-fixture.py").path

    /// Builds the fixture program (or shared object) with `flags`.
    private func build(_ fixture: CompiledFixture, output: String, flags: [String], shared: Bool = false) throws -> String {
        let sources = fixture.path("src")
        if !FileManager.default.fileExists(atPath: sources) {
            _ = try Tool.run(["python3", Self.generator, sources, "240"])
        }
        let files = ["unit0.c", "unit1.c"] + (shared ? [] : ["main.c"])
        _ = try Tool.run(["gcc"] + flags + files.map { sources + "/" + $0 } + ["-o", fixture.path(output)], in: fixture.directory)
        return fixture.path(output)
    }

    /// Probe addresses: the first and last byte of every function symbol and the byte after it
    /// (padding or the next function), every 23rd byte of the executable sections in between,
    /// each section's first and last byte and the two after it (`_init` is sizeless).
    private func probes(_ file: String) throws -> [UInt64] {
        var addresses = Set<UInt64>()
        for function in try CompiledFixture.functions(of: file) where function.size > 0 {
            addresses.formUnion([function.value, function.value + function.size - 1, function.value + function.size])
        }
        for line in try Tool.run(["readelf", "-SW", file]).split(separator: "\n") where line.contains(" AX ") {
            let words = line.split(separator: " ")
            guard let at = words.firstIndex(where: { $0 == "PROGBITS" }), words.count > at + 3,
                let start = UInt64(words[at + 1], radix: 16), let size = UInt64(words[at + 3], radix: 16)
            else { continue }
            addresses.formUnion(stride(from: start, to: start + size + 8, by: 23))
            addresses.formUnion([start, start + size - 1, start + size, start + size + 1])  // libdwfl: the end is inside
        }
        return addresses.sorted()
    }

    /// Every probe: the same chain of (function, file:line:column) as eu-addr2line; where
    /// eu-addr2line names no function but prints a line (alignment padding after a function,
    /// covered by its last line-table row), we say `??`. Returns the resolved locations.
    @discardableResult
    private func compare(_ file: String, in fixture: CompiledFixture) throws -> [UInt64: SymbolLocation?] {
        let symbolizer = try ELFSymbolizer(vmlinux: file)
        let addresses = try probes(file)
        let reference = try EUAddr2Line.frames(file, addresses, in: fixture)
        #expect(reference.count == addresses.count)
        var located: [UInt64: SymbolLocation?] = [:]
        var disagreements: [String] = []
        var padding = 0
        for address in addresses {
            let location = symbolizer.resolve(address)
            located[address] = location
            let expected = try #require(reference[address])
            let ours = ourFrames(location)
            if expected.first?.function == "??", expected.contains(where: { $0.source != nil }) {
                padding += 1
                if location != nil { disagreements.append("0x\(String(address, radix: 16)): \(ours) vs eu-addr2line \(expected) (padding)") }
            } else if ours != expected {
                disagreements.append("0x\(String(address, radix: 16)): \(ours) vs eu-addr2line \(expected)")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) of \(addresses.count) differ, first: \(disagreements.prefix(5).joined(separator: "; "))")
        #expect(padding < addresses.count / 10)
        return located
    }

    /// The fixture really is inlined code: chains of three, helpers from the header, clones.
    private func expectInlining(_ located: [UInt64: SymbolLocation?]) {
        let locations = located.values.compactMap { $0 }
        let inlined = locations.filter { !$0.inlined.isEmpty }
        #expect(inlined.count > locations.count / 3, "\(inlined.count) of \(locations.count) addresses in inlined code")
        #expect(inlined.contains { $0.frames.count >= 4 }, "h_scale in h_mix in local_N in fn_N")
        #expect(inlined.contains { $0.file?.hasSuffix("/helpers.h") == true && $0.frames.last?.file?.hasSuffix(".c") == true })
        #expect(locations.contains { $0.function.hasSuffix(".cold") && $0.sourceFunction.map { !$0.hasSuffix(".cold") } == true })
        #expect(locations.contains { $0.function == "scaled_sum.constprop.0" && $0.sourceFunction == "scaled_sum" })
    }

    @Test func dwarf4ExecutableAgreesWithEuAddr2line() throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        let program = try build(fixture, output: "prog-dwarf4", flags: ["-gdwarf-4", "-O2", "-no-pie"])
        expectInlining(try compare(program, in: fixture))
    }

    @Test func dwarf5PositionIndependentExecutableAgreesWithEuAddr2line() throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        let program = try build(fixture, output: "prog-dwarf5", flags: ["-gdwarf-5", "-O2"])
        expectInlining(try compare(program, in: fixture))
    }

    @Test func withoutDebugArangesAgreesWithEuAddr2line() throws {
        // clang's output has no .debug_aranges: the compile-unit index finds the unit instead.
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        let program = try build(fixture, output: "prog", flags: ["-gdwarf-5", "-O2"])
        let stripped = fixture.path("prog-noaranges")
        _ = try Tool.run(["objcopy", "--remove-section", ".debug_aranges", program, stripped])
        let symbolizer = try ELFSymbolizer(vmlinux: stripped)
        let reference = try ELFSymbolizer(vmlinux: program)
        for address in try probes(program) {
            #expect(symbolizer.resolve(address) == reference.resolve(address), "0x\(String(address, radix: 16))")
        }
    }

    @Test func strippedExecutableAgreesWithEuAddr2line() throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        let program = try build(fixture, output: "prog", flags: ["-gdwarf-5", "-O2"])
        let probes = try probes(program)
        let stripped = fixture.path("prog-stripped")
        _ = try Tool.run(["strip", "-o", stripped, program])
        let symbolizer = try ELFSymbolizer(vmlinux: stripped)
        let reference = try EUAddr2Line.frames(stripped, probes, in: fixture)
        for address in probes {
            #expect(ourFrames(symbolizer.resolve(address)) == reference[address], "0x\(String(address, radix: 16))")
        }
        #expect(probes.allSatisfy { symbolizer.resolve($0) == nil })
    }

    @Test func sharedObjectWithOnlyDynsymAgreesWithEuAddr2line() throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        let library = try build(fixture, output: "libfix.so", flags: ["-gdwarf-5", "-O2", "-shared", "-fPIC"], shared: true)
        let probes = try probes(library)
        let stripped = fixture.path("libfix-stripped.so")
        _ = try Tool.run(["strip", "--strip-all", "-o", stripped, library])
        #expect(!(try Tool.run(["readelf", "-SW", stripped]).contains(".symtab")))
        let symbolizer = try ELFSymbolizer(vmlinux: stripped)
        let reference = try EUAddr2Line.frames(stripped, probes, in: fixture)
        var exported = 0
        var unknown = 0
        for address in probes {
            let location = symbolizer.resolve(address)
            #expect(ourFrames(location) == reference[address], "0x\(String(address, radix: 16))")
            if let location {
                exported += 1
                #expect(location.file == nil && location.inlined.isEmpty)
            } else {
                unknown += 1
            }
        }
        // Exported functions resolve through .dynsym; static ones (fn_0, fn_5, …) are past every sized symbol.
        #expect(exported > probes.count / 2)
        #expect(unknown > 0)
    }
}

/// Symbol sizes respected (without eu-addr2line): an address past the end of every sized symbol is unknown.
@Suite struct SymbolSizeTests {
    @Test func paddingAfterAFunctionIsUnknown() throws {
        let fixture = try CompiledFixture()
        defer { fixture.remove() }
        let program = try fixture.compile(FixtureSources.program, name: "prog", output: "prog", flags: ["-g", "-O2", "-no-pie", "-falign-functions=64"])
        let symbolizer = try ELFSymbolizer(vmlinux: program)
        let ours: Set = ["_text", "helper", "quiet_add", "main"]
        let functions = try CompiledFixture.functions(of: program).sorted { $0.value < $1.value }
        var gaps = 0
        for (function, next) in zip(functions, functions.dropFirst())
        where ours.contains(function.name) && ours.contains(next.name) && function.value + function.size < next.value {
            gaps += 1
            #expect(symbolizer.resolve(function.value + function.size - 1)?.function == function.name)
            #expect(symbolizer.resolve(function.value + function.size) == nil, "\(function.name)+0x\(String(function.size, radix: 16)) is past its size")
            #expect(symbolizer.resolve(next.value - 1) == nil)
            #expect(symbolizer.resolve(next.value)?.function == next.name)
        }
        #expect(gaps > 0, "64-byte alignment leaves padding between functions")
    }
}

/// `symbolize -i`: the chain, innermost first, the outer frames as ` (inlined by) `.
@Suite struct InlineOutputLineTests {
    @Test func rendersTheChainInnermostFirst() {
        let location = SymbolLocation(
            function: "nvme_queue_rq", offset: 0x11e, module: "nvme", file: "include/linux/dma-mapping.h", line: 420, column: 9,
            inlined: [
                InlinedCall(function: "dma_map_sgtable", callFile: "drivers/nvme/host/pci.c", callLine: 843, callColumn: 8),
                InlinedCall(function: "nvme_map_data", callFile: "drivers/nvme/host/pci.c", callLine: 1012),
            ],
            sourceFunction: "nvme_queue_rq")
        #expect(location.frames.map(\.function) == ["dma_map_sgtable", "nvme_map_data", "nvme_queue_rq"])
        #expect(location.frames.map(\.sourceLocation) == ["include/linux/dma-mapping.h:420", "drivers/nvme/host/pci.c:843", "drivers/nvme/host/pci.c:1012"])
        #expect(location.frames.map(\.column) == [9, 8, nil])
        let text = SymbolizeOutputLine.render("ffffffffc0b0011e", inlines: true) { _ in location }
        #expect(text == """
            0xffffffffc0b0011e dma_map_sgtable [nvme] include/linux/dma-mapping.h:420
             (inlined by) nvme_map_data [nvme] drivers/nvme/host/pci.c:843
             (inlined by) nvme_queue_rq+0x11e [nvme] drivers/nvme/host/pci.c:1012
            """)
        // Without -i, and for an address outside inlined code, the single line as before.
        #expect(SymbolizeOutputLine.render("ffffffffc0b0011e") { _ in location } == "0xffffffffc0b0011e nvme_queue_rq+0x11e [nvme] include/linux/dma-mapping.h:420")
        let plain = SymbolLocation(function: "f", offset: 4, file: "a.c", line: 3)
        #expect(SymbolizeOutputLine.render("0x10", inlines: true) { _ in plain } == "0x0000000000000010 f+0x4 a.c:3")
        #expect(plain.frames == [SourceFrame(function: "f", file: "a.c", line: 3, isInlined: false)])
    }
}
