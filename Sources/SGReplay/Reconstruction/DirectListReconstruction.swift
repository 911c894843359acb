import SGIngest
import SGModel

/// Rebuilds the inputs of a dma-direct mapping (model §3.4, §7): one output
/// per input, `len_in[i] = out_len[i]`.
///
/// A length is only trusted where the output is what dma-direct makes of the
/// input: `phys − dma_range_offset`, or an address in the known swiotlb pool.
/// Anything else may be a P2PDMA bus address, whose printed length some
/// kernels (6.16 until the Nov 2025 fix) got wrong.
struct DirectListReconstruction: Sendable {
    var event: MapSGEvent
    var device: DeviceProperties
    var swiotlbPool: SwiotlbPool?

    func reconstruct() -> Reconstruction {
        let phys = event.physAddresses
        let visible = VisibleMapping(event)
        let (n, m, truncated) = (visible.inputCount, visible.outputCount, visible.truncated)
        var notes = visible.notes
        if event.fullNents != event.fullEnts || n != m {
            notes.append("dma-direct maps one output per input, but the event has \(event.fullNents) inputs and \(event.fullEnts) outputs")
        }
        var entries: [ScatterEntry] = []
        var untrusted: [Int] = []
        for i in 0 ..< n {
            guard i < m else {
                entries.append(ScatterEntry(phys: phys[i], length: 0, pageSize: device.pageSize))
                untrusted.append(i)
                continue
            }
            let dma = event.dmaAddresses[i]
            let direct = phys[i] &- device.dmaRangeOffset
            let bounced = swiotlbPool?.contains(dma) ?? false
            if dma != direct && !bounced { untrusted.append(i) }
            entries.append(ScatterEntry(phys: phys[i], length: event.dmaLengths[i], pageSize: device.pageSize))
        }
        if let first = untrusted.first, untrusted.count <= n {
            notes.append("\(untrusted.count) output(s) neither phys nor a known bounce address (first: input \(first)): their lengths are taken as printed")
        }
        let exact = !truncated && n == m && event.fullNents == event.fullEnts && untrusted.isEmpty
        return Reconstruction(inputs: entries, exact: exact, note: notes.joined(separator: "; "), truncated: truncated)
    }
}
