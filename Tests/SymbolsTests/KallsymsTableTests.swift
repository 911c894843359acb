import Foundation
import Testing
@testable import SGSymbols

/// kallsyms parsing and lookup on hand-written `/proc/kallsyms` text.
@Suite struct KallsymsTableTests {
    /// Deliberately unsorted, with aliases, absolute symbols, module symbols and a junk line.
    static let text = """
        ffffffff81000000 T _text
        ffffffff81000000 T startup_64
        ffffffff81001000 t __pfx_do_one_initcall
        ffffffff81001010 T do_one_initcall
        0000000000000000 A fixed_percpu_data
        ffffffff81002000 T dma_map_sg_attrs
        ffffffff81001800 t helper_local
        ffffffff82000000 D some_data
        ffffffffc02a1000 t nvme_prep_rq.part.0\t[nvme]
        ffffffffc02a1200 T nvme_queue_rq\t[nvme]
        ffffffffc02a0000 t nvme_pci_probe\t[nvme]
        ffffffffc0300000 t mlx5_fn\t[mlx5_core]
        this is not a kallsyms line

        """

    private func table() throws -> KallsymsTable {
        try KallsymsTable(parsing: Array(Self.text.utf8), path: "kallsyms")
    }

    @Test func parsesAndSortsDroppingAbsoluteSymbols() throws {
        let table = try table()
        #expect(table.symbols.map(\.address) == table.symbols.map(\.address).sorted())
        #expect(!table.symbols.contains { $0.name == "fixed_percpu_data" })
        #expect(table.skippedLines == [13])
        #expect(table.moduleNames == ["nvme", "mlx5_core"])
        #expect(table.addresses(of: "nvme_queue_rq", module: "nvme") == [0xffff_ffff_c02a_1200])
        #expect(table.addresses(of: "nvme_queue_rq").isEmpty, "module symbols are not core symbols")
        #expect(table.addresses(of: "_text") == [0xffff_ffff_8100_0000])
    }

    @Test func addressBeforeTheFirstSymbolIsUnresolved() throws {
        let table = try table()
        #expect(table.symbol(containing: 0xffff_ffff_80ff_ffff) == nil)
        #expect(table.symbol(containing: 0) == nil)
    }

    @Test func exactlyOnASymbolIsOffsetZero() throws {
        let table = try table()
        let hit = try #require(table.symbol(containing: 0xffff_ffff_8100_2000))
        #expect(hit.symbol.name == "dma_map_sg_attrs")
        #expect(hit.offset == 0)
        let module = try #require(table.symbol(containing: 0xffff_ffff_c02a_1000))
        #expect(module.symbol.name == "nvme_prep_rq.part.0")
        #expect(module.symbol.module == "nvme")
        #expect(module.offset == 0)
    }

    @Test func insideASymbolCountsFromItsStart() throws {
        let table = try table()
        let hit = try #require(table.symbol(containing: 0xffff_ffff_8100_1fff))
        #expect(hit.symbol.name == "helper_local")
        #expect(hit.offset == 0x7ff)
        let beforeSorting = try #require(table.symbol(containing: 0xffff_ffff_c02a_0abc))
        #expect(beforeSorting.symbol.name == "nvme_pci_probe")
        #expect(beforeSorting.offset == 0xabc)
    }

    @Test func aliasesPreferRealGlobalNames() throws {
        let table = try table()
        #expect(table.symbol(containing: 0xffff_ffff_8100_0000)?.symbol.name == "_text")
        #expect(table.symbol(containing: 0xffff_ffff_8100_1008)?.symbol.name == "__pfx_do_one_initcall")
        #expect(table.symbol(containing: 0xffff_ffff_8100_1010)?.symbol.name == "do_one_initcall")
        let both = try KallsymsTable(
            parsing: Array("ffffffff81000000 t local_alias\nffffffff81000000 T global_name\nffffffff81000000 t __pfx_x\n".utf8),
            path: "k")
        #expect(both.symbols.map(\.name) == ["global_name"])
    }

    @Test func lastSymbolOfTheFileAndOfAModuleReachAtMostTheTrailingReach() throws {
        var table = try table()
        let last = try #require(table.symbol(containing: 0xffff_ffff_c030_0040))
        #expect(last.symbol.name == "mlx5_fn")
        #expect(last.offset == 0x40)
        #expect(table.symbol(containing: 0xffff_ffff_c030_0000 + table.trailingReach) == nil)
        // nvme_queue_rq is the last symbol of [nvme]; the next symbol is in another module.
        #expect(table.symbol(containing: 0xffff_ffff_c02a_1300)?.symbol.name == "nvme_queue_rq")
        #expect(table.symbol(containing: 0xffff_ffff_c02b_1200) == nil)
        // The core kernel's last symbol before the modules is bounded the same way.
        #expect(table.symbol(containing: 0xffff_ffff_8200_0100)?.symbol.name == "some_data")
        #expect(table.symbol(containing: 0xffff_ffff_9000_0000) == nil)
        table.trailingReach = 0x10
        #expect(table.symbol(containing: 0xffff_ffff_c030_0040) == nil)
    }

    @Test func zeroAddressesAreAClearError() {
        let unprivileged = "0000000000000000 T _text\n0000000000000000 T startup_64\n0000000000000000 t nvme_fn\t[nvme]\n"
        #expect(throws: SymbolFileError.kallsymsZeroAddresses(path: "/proc/kallsyms")) {
            try KallsymsTable(parsing: Array(unprivileged.utf8), path: "/proc/kallsyms")
        }
        #expect(SymbolFileError.kallsymsZeroAddresses(path: "/proc/kallsyms").description.contains("kptr_restrict"))
    }

    @Test func textWithoutSymbolLinesIsAnError() {
        #expect(throws: SymbolFileError.noSymbols(path: "x")) {
            try KallsymsTable(parsing: Array("hello\nworld\n".utf8), path: "x")
        }
        #expect(throws: SymbolFileError.noSymbols(path: "x")) { try KallsymsTable(parsing: [], path: "x") }
    }

    @Test func systemMapFormatAndCRLF() throws {
        let map = try KallsymsTable(parsing: Array("ffffffff81000000 T _text\r\nffffffff81000040 W weak_fn\r\n".utf8), path: "System.map")
        #expect(map.symbol(containing: 0xffff_ffff_8100_0044)?.symbol.name == "weak_fn")
        #expect(map.symbol(containing: 0xffff_ffff_8100_0044)?.offset == 4)
        #expect(map.skippedLines.isEmpty)
    }

    @Test func kallsymsSymbolizerFormatsLikeTheKernel() throws {
        let symbolizer = KallsymsSymbolizer(table: try table())
        #expect(symbolizer.resolve(0xffff_ffff_c02a_1034)?.description == "nvme_prep_rq.part.0+0x34 [nvme]")
        #expect(symbolizer.resolve(0xffff_ffff_8100_2010)?.description == "dma_map_sg_attrs+0x10")
        #expect(symbolizer.resolve(0x1000) == nil)
    }

    @Test func parsesLinesAtTheByteLevel() {
        #expect(KallsymsSymbol.parse(ArraySlice("ffffffffc02a1000 t nvme_prep_rq.part.0\t[nvme]".utf8))
            == KallsymsSymbol(address: 0xffff_ffff_c02a_1000, type: "t", name: "nvme_prep_rq.part.0", module: "nvme"))
        #expect(KallsymsSymbol.parse(ArraySlice("ffffffffc02a1000 t bpf_prog_x\t[bpf]".utf8))?.module == "bpf")
        #expect(KallsymsSymbol.parse(ArraySlice("ffffffffc02a1000 nvme".utf8)) == nil)
        #expect(KallsymsSymbol.parse(ArraySlice("ffffffffc02a1000 t ".utf8)) == nil)
        #expect(KallsymsSymbol.parse(ArraySlice("1ffffffffc02a1000 t x".utf8)) == nil, "17 hex digits")
        #expect(KallsymsSymbol.parse(ArraySlice("ffffffffc02a1000 U x".utf8)) == nil)
    }
}

/// The `sgreplay symbolize` line format.
@Suite struct SymbolizeOutputLineTests {
    @Test func rendersResolvedUnresolvedAndBadWords() throws {
        let symbolizer = KallsymsSymbolizer(table: try KallsymsTable(parsing: Array(KallsymsTableTests.text.utf8), path: "k"))
        let render = { (line: String) in SymbolizeOutputLine.render(line, resolve: symbolizer.resolve) }
        #expect(render("ffffffffc02a1034") == "0xffffffffc02a1034 nvme_prep_rq.part.0+0x34 [nvme]")
        #expect(render("  0xffffffff81002010\ttrailing words") == "0xffffffff81002010 dma_map_sg_attrs+0x10")
        #expect(render("<ffffffff81002010>") == "0xffffffff81002010 dma_map_sg_attrs+0x10")
        #expect(render("0x10") == "0x0000000000000010 ??")
        #expect(render("zzz 1") == "zzz ??")
        #expect(render("   ") == nil)
        let withLine = SymbolizeOutputLine.render("1000") { _ in
            SymbolLocation(function: "f", offset: 2, module: "m", file: "a.c", line: 7)
        }
        #expect(withLine == "0x0000000000001000 f+0x2 [m] a.c:7")
    }
}

/// Opportunistic: this machine's own `/proc/kallsyms`, when readable with real addresses.
@Suite struct LiveKallsymsTests {
    @Test func resolvesThisKernelsSymbols() throws {
        guard let text = try? String(contentsOfFile: "/proc/kallsyms", encoding: .utf8),
            text.contains(where: { $0 != "0" && $0 != " " && $0 != "\n" }),
            let table = try? KallsymsTable(parsing: Array(text.utf8), path: "/proc/kallsyms")
        else { return }  // not readable, or zero addresses without privilege: nothing to check
        // Independent reading: plain splitting; every text symbol must resolve to a symbol at its address.
        var checked = 0
        for line in text.split(separator: "\n") where checked < 5000 {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 3, "tT".contains(fields[1]), let address = UInt64(fields[0], radix: 16), address != 0
            else { continue }
            let hit = try #require(table.symbol(containing: address), "\(line)")
            #expect(hit.offset == 0, "\(line)")
            #expect(hit.symbol.address == address)
            checked += 1
        }
        #expect(checked > 0)
        #expect(table.skippedLines.isEmpty)
    }
}
