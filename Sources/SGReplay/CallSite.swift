import SGIngest
import SGSymbols

/// The driver call site of an event: the first frame outside the tracing and DMA-API code,
/// walking each stack entry's inline chain (innermost first) before the next entry, as
/// `function+0xoff [module]`, with `file:line` when a symbolizer resolves it.
///
/// A frame is DMA core or tracing by its source file when the symbolizer knows it
/// (`dmaCorePaths`), else by its function name (`gluePrefixes`). A call site that is an inlined
/// function reads `helper (inlined in function+0xoff) [module]`; `source` is then the helper's
/// own line (where it calls into the DMA API), and `chain` names every frame of that entry.
public enum CallSite {
    /// Frames whose function starts with one of these are tracing or DMA-API internals.
    public static let gluePrefixes = [
        "trace_event_raw_event_", "__traceiter_", "perf_trace_", "trace_call_bpf", "__bpf_trace_",
        "__dma_map_sg_attrs", "dma_map_sg_attrs", "dma_map_sgtable", "dma_unmap_", "debug_dma_",
        "dma_map_page_attrs", "dma_map_phys", "dma_map_resource", "__dma_map", "dma_sync_", "__dma_sync",
        "iommu_dma_", "__iommu_dma", "dma_direct_", "swiotlb_", "iommu_map", "iommu_unmap", "__iommu_map",
        "dma_alloc_attrs", "dma_free_attrs", "dma_alloc_", "dma_free_", "report_iommu_fault",
    ]

    /// The tracing part of `gluePrefixes`: skipped whatever the frame's source file.
    static let tracingPrefixes = gluePrefixes.prefix(5)

    /// Source files of the DMA core and of tracing: a frame whose file has one of these as a path
    /// component sequence (`…/kernel/dma/mapping.c`, `./include/linux/dma-mapping.h`) is not a call site.
    public static let dmaCorePaths = [
        "kernel/dma/", "drivers/iommu/", "lib/scatterlist.c", "include/linux/dma-mapping.h",
        "include/linux/dma-direct.h", "include/linux/iommu.h", "include/linux/swiotlb.h",
        "include/trace/", "include/linux/tracepoint.h", "kernel/trace/",
    ]

    /// Whether a frame belongs to the DMA core or tracing: by `file` when known, else by name.
    public static func isDMACore(function: String, file: String?) -> Bool {
        if tracingPrefixes.contains(where: { function.hasPrefix($0) }) { return true }
        guard let file, !file.isEmpty else { return gluePrefixes.contains(where: { function.hasPrefix($0) }) }
        let path = file.hasPrefix("/") ? file : "/" + file
        return dmaCorePaths.contains { path.contains("/" + $0) }
    }

    /// The call site of a stack, innermost first: `symbol`, `source`, and the whole inline chain
    /// of the stack entry it is in (`helper drivers/x.c:12 < function+0x1c drivers/x.c:40`,
    /// innermost first; empty when that entry has no inlined frames).
    public static func locate(_ stack: [StackFrame], symbolizer: (any AddressSymbolizer)?) -> (symbol: String, source: String, chain: String) {
        for frame in stack {
            var name = frame.symbol
            var offset = frame.offset
            var module = frame.module
            var location: SymbolLocation?
            if let symbolizer {
                location = symbolizer.resolveFrame(address: frame.address, function: frame.symbol, offset: frame.offset, module: frame.module)
            }
            if let location, name == nil {
                name = location.function
                offset = location.offset
                module = location.module
            }
            guard let function = name else { continue }
            var outer = function
            if let offset { outer += "+0x" + String(offset, radix: 16) }
            let moduleText = module.flatMap { $0 == "kernel.kallsyms" ? nil : " [\($0)]" } ?? ""
            guard let location, !location.inlined.isEmpty else {
                if isDMACore(function: function, file: location?.file) { continue }
                return (outer + moduleText, location?.sourceLocation ?? "", "")
            }
            let frames = location.frames
            guard let site = frames.firstIndex(where: { !isDMACore(function: $0.function, file: $0.file) }) else { continue }
            let chain = frames.map { frame in
                (frame.isInlined ? frame.function : outer) + (frame.sourceLocation.map { " " + $0 } ?? "")
            }.joined(separator: " < ")
            let chosen = frames[site]
            let symbol = chosen.isInlined ? "\(chosen.function) (inlined in \(outer))" + moduleText : outer + moduleText
            return (symbol, chosen.sourceLocation ?? "", chain)
        }
        return ("", "", "")
    }

    /// (symbol, source) for a stack, innermost first (see `locate`).
    public static func resolve(_ stack: [StackFrame], symbolizer: (any AddressSymbolizer)?) -> (symbol: String, source: String) {
        let site = locate(stack, symbolizer: symbolizer)
        return (site.symbol, site.source)
    }
}
