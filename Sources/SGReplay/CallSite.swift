import SGIngest
import SGSymbols

/// The driver call site of an event: the first stack frame below the tracing
/// and DMA-API glue, as `function+0xoff [module]`, with `file:line` when a
/// symbolizer resolves it.
public enum CallSite {
    /// Frames whose function starts with one of these are tracing or DMA-API internals.
    public static let gluePrefixes = [
        "trace_event_raw_event_", "__traceiter_", "perf_trace_", "trace_call_bpf", "__bpf_trace_",
        "__dma_map_sg_attrs", "dma_map_sg_attrs", "dma_map_sgtable", "dma_unmap_", "debug_dma_",
        "dma_map_page_attrs", "dma_map_phys", "dma_map_resource", "__dma_map", "dma_sync_", "__dma_sync",
        "iommu_dma_", "__iommu_dma", "dma_direct_", "swiotlb_", "iommu_map", "iommu_unmap", "__iommu_map",
        "dma_alloc_attrs", "dma_free_attrs", "dma_alloc_", "dma_free_", "report_iommu_fault",
    ]

    /// (symbol, source) for a stack, innermost first.
    public static func resolve(_ stack: [StackFrame], symbolizer: (any AddressSymbolizer)?) -> (symbol: String, source: String) {
        for frame in stack {
            var name = frame.symbol
            var offset = frame.offset
            var module = frame.module
            var source = ""
            if let symbolizer, let location = symbolizer.resolveFrame(address: frame.address, function: frame.symbol, offset: frame.offset, module: frame.module) {
                if name == nil {
                    name = location.function
                    offset = location.offset
                    module = location.module
                }
                source = location.sourceLocation ?? ""
            }
            guard let function = name else { continue }
            if gluePrefixes.contains(where: { function.hasPrefix($0) }) { continue }
            var text = function
            if let offset { text += "+0x" + String(offset, radix: 16) }
            if let module, module != "kernel.kallsyms" { text += " [\(module)]" }
            return (text, source)
        }
        return ("", "")
    }
}
