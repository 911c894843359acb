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
}
