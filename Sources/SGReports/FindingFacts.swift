import SGReplay

/// Facts the reports derive from a ``Finding`` alone (no replay state): the map
/// call it belongs to and the shape of its list, shared by findings.csv
/// (`map_line`, `list_shape`), the HTML grouping and audit baselines.
public enum FindingFacts {
    /// True for events that map (their own line is the map call).
    static func isMapEvent(_ event: String) -> Bool {
        (event.contains("map") && !event.contains("unmap")) || event.hasPrefix("dma_alloc")
    }

    /// Line of the map event the finding is about, in `finding.file`: the finding's own
    /// line for map findings; for unmap, sync and fault findings the first `line N` their
    /// detail cites (the checks name the mapping's map line first); else the own line.
    public static func mapLine(_ f: Finding) -> Int {
        if isMapEvent(f.event) || f.kind == .leak { return f.line }
        return firstCitedLine(f.detail) ?? f.line
    }

    /// The first `line N` in `text`.
    static func firstCitedLine(_ text: String) -> Int? {
        guard let r = text.range(of: "line ") else { return nil }
        let digits = text[r.upperBound...].prefix { $0.isASCII && $0.isNumber }
        return Int(digits)
    }

    /// The list's shape, stable between captures of the same defect: input entries and the
    /// first four input offsets (`entries=3 offsets=0x200,0x0,0x0`), output count; empty when the
    /// finding carries no list. Never an address or length (they move with the data).
    public static func listShape(_ f: Finding) -> String {
        var parts: [String] = []
        let inputs = f.evidence.inputs
        if !inputs.isEmpty {
            parts.append("entries=\(inputs.count)")
            let offsets = inputs.prefix(4).map { ValueFormat.hex(UInt64($0.offset)) }.joined(separator: ",")
            parts.append("offsets=\(offsets)\(inputs.count > 4 ? ",…" : "")")
        }
        if !f.evidence.observed.isEmpty { parts.append("outputs=\(f.evidence.observed.count)") }
        return parts.joined(separator: " ")
    }
}
