import Foundation
import SGIngest
import SGModel
import SGSymbols
import Testing
@testable import SGReplay

/// `symbol` / `source` come from the event's stack, past the tracing glue.
struct CallSiteTests {
    /// `ahci_qc_prep` spans 0xffffffffc0a1b280..+0x100 in module libahci.
    struct FakeSymbolizer: AddressSymbolizer {
        func resolve(_ address: UInt64) -> SymbolLocation? {
            let start: UInt64 = 0xffff_ffff_c0a1_b280
            guard address >= start, address - start < 0x100 else { return nil }
            return SymbolLocation(function: "ahci_qc_prep", offset: address - start, module: "libahci", file: "drivers/ata/libahci.c", line: 1642)
        }
    }

    @Test func symbolSkipsTracingGlueFrames() throws {
        let trace = ExampleLine.trace([
            ExampleLine.at(41.0, "dma_map_sg: 0000:04:00.0 dir=FROM_DEVICE nents=1/1 ents=1/1 dma_addrs={0x7000000} sizes={0x20000} phys_addrs={0x7000000} attrs="),
            ExampleLine.at(41.0, "<stack trace>"),
            " => trace_event_raw_event_dma_map_sg+0x12a/0x1b0",
            " => __traceiter_dma_map_sg+0x3d/0x60",
            " => __dma_map_sg_attrs+0x10e/0x140",
            " => dma_map_sgtable+0x1d/0x40",
            " => nvme_map_data+0x1a4/0x8c0 [nvme]",
            " => nvme_queue_rq+0x8e/0x1f0 [nvme]",
            ExampleLine.at(41.1, "dma_unmap_sg: 0000:04:00.0 dir=FROM_DEVICE phys_addrs={0x7000000} attrs="),
        ])
        let result = try analyze(trace: trace, topology: ExampleTopology.iommuAndDirect)
        let f = try #require(result.findings.first)
        #expect(f.kind == .maxSegmentSize)
        #expect(f.symbol == "nvme_map_data+0x1a4 [nvme]")
        #expect(result.input.reconciles)
    }

    /// Stack addresses are return addresses: resolved at address − 1 (the call), printed at the address.
    @Test func rawAddressesGoThroughTheSymbolizer() {
        let stack = [StackFrame(symbol: "__traceiter_dma_map_sg", offset: 0x3d), StackFrame(address: 0xffff_ffff_c0a1_b2c3)]
        let site = CallSite.resolve(stack, symbolizer: FakeSymbolizer())
        #expect(site.symbol == "ahci_qc_prep+0x43 [libahci]")
        #expect(site.source == "drivers/ata/libahci.c:1642")
        #expect(CallSite.resolve(stack, symbolizer: nil).symbol == "")
    }

    /// `dma_map_sgtable` (include/linux/dma-mapping.h) inlined into `nvme_map_data` inlined into
    /// `nvme_queue_rq` [nvme], which spans 0xffffffffc0b00000..+0x400; the stack's return address
    /// lands in the inlined `dma_map_sgtable` code.
    struct InliningSymbolizer: AddressSymbolizer {
        static let start: UInt64 = 0xffff_ffff_c0b0_0000
        func resolve(_ address: UInt64) -> SymbolLocation? {
            guard address >= Self.start, address - Self.start < 0x400 else { return nil }
            return SymbolLocation(
                function: "nvme_queue_rq", offset: address - Self.start, module: "nvme",
                file: "/build/linux/include/linux/dma-mapping.h", line: 420, column: 9,
                inlined: [
                    InlinedCall(function: "dma_map_sgtable", callFile: "/build/linux/drivers/nvme/host/pci.c", callLine: 843, callColumn: 8),
                    InlinedCall(function: "nvme_map_data", callFile: "/build/linux/drivers/nvme/host/pci.c", callLine: 1012, callColumn: 12),
                ],
                sourceFunction: "nvme_queue_rq")
        }
    }

    /// The call site is the first frame outside the DMA core in the inline chain of the first
    /// stack entry that leaves it: the inlined driver function, with its own line.
    @Test func findingsNameTheInlinedDriverFunction() throws {
        let trace = ExampleLine.trace([
            ExampleLine.at(41.0, "dma_map_sg: 0000:04:00.0 dir=FROM_DEVICE nents=1/1 ents=1/1 dma_addrs={0x7000000} sizes={0x20000} phys_addrs={0x7000000} attrs="),
            ExampleLine.at(41.0, "<stack trace>"),
            " => trace_event_raw_event_dma_map_sg+0x12a/0x1b0",
            " => __traceiter_dma_map_sg+0x3d/0x60",
            " => __dma_map_sg_attrs+0x10e/0x140",
            " => 0xffffffffc0b0011e",
            " => 0xffffffffc0b003f0",
            ExampleLine.at(41.1, "dma_unmap_sg: 0000:04:00.0 dir=FROM_DEVICE phys_addrs={0x7000000} attrs="),
        ])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sgreplay-\(UUID().uuidString).trace")
        try trace.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let options = AnalyzerOptions(traces: [url.path], topology: ExampleTopology.iommuAndDirect, symbolizer: InliningSymbolizer())
        let result = try Analyzer(options).run()
        let f = try #require(result.findings.first)
        #expect(f.kind == .maxSegmentSize)
        #expect(f.symbol == "nvme_map_data (inlined in nvme_queue_rq+0x11e) [nvme]")
        #expect(f.source == "/build/linux/drivers/nvme/host/pci.c:843")
        #expect(f.callChain == "dma_map_sgtable /build/linux/include/linux/dma-mapping.h:420 < nvme_map_data /build/linux/drivers/nvme/host/pci.c:843 < nvme_queue_rq+0x11e /build/linux/drivers/nvme/host/pci.c:1012")
        #expect(result.input.reconciles)
    }

    /// Without source files the function names decide, as before; with them the path does: a
    /// driver function whose name looks like DMA API is still a call site.
    @Test func dmaCoreBySourceFileThenByName() {
        #expect(CallSite.isDMACore(function: "dma_map_sgtable", file: nil))
        #expect(!CallSite.isDMACore(function: "nvme_map_data", file: nil))
        #expect(CallSite.isDMACore(function: "nvme_helper", file: "./include/linux/dma-mapping.h"))
        #expect(CallSite.isDMACore(function: "x", file: "/src/linux/kernel/dma/mapping.c"))
        #expect(CallSite.isDMACore(function: "x", file: "lib/scatterlist.c"))
        #expect(CallSite.isDMACore(function: "x", file: "drivers/iommu/dma-iommu.c"))
        #expect(!CallSite.isDMACore(function: "dma_alloc_coherent_wrapper", file: "drivers/net/foo.c"))
        #expect(!CallSite.isDMACore(function: "x", file: "/src/linux/kernel/dmabuf.c"))
        #expect(CallSite.isDMACore(function: "trace_event_raw_event_dma_map_sg", file: "drivers/net/foo.c"))
        // Every frame of the chain in the DMA core: on to the next stack entry.
        let stack = [StackFrame(address: InliningSymbolizer.start + 0x11d + 1)]
        let site = CallSite.locate(stack, symbolizer: InliningSymbolizer())
        #expect(site.symbol == "nvme_map_data (inlined in nvme_queue_rq+0x11e) [nvme]")
    }
}
