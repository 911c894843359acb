import SGIngest

/// What a `dma_map_sg` event shows: how many inputs and outputs are visible,
/// and whether more exist (capped `[TRUNCATED]` form).
struct VisibleMapping: Sendable {
    /// Visible inputs (phys list length).
    var inputCount: Int
    /// Visible outputs (shorter of the address and size arrays).
    var outputCount: Int
    var truncated: Bool
    /// Notes every reconstruction of the event starts with.
    var notes: [String]

    init(_ event: MapSGEvent) {
        inputCount = event.physAddresses.count
        outputCount = min(event.dmaAddresses.count, event.dmaLengths.count)
        truncated = event.truncated || event.fullNents > inputCount || event.fullEnts > outputCount
        notes = truncated ? ["event truncated: only the \(inputCount) visible inputs are reconstructed, not all \(event.fullNents)"] : []
    }
}
