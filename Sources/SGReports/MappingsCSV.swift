import SGReplay

/// `mappings.csv`: one row per reconstructed mapping, columns as CONTRACTS.md lists them.
/// `unmap_line` and `time_unmap` are empty for mappings never unmapped in the trace.
struct MappingsCSV {
    static let header = ["map_line", "unmap_line", "device", "dir", "nents", "ents", "first_dma", "total_len",
                         "time_map", "time_unmap"]

    static func row(_ m: MappingRecord) -> [String] {
        [String(m.mapLine), m.unmapLine.map(String.init) ?? "", m.device, m.direction, String(m.nents), String(m.ents),
         ValueFormat.hex(m.firstDMA), String(m.totalLength), ValueFormat.seconds(m.timeMap),
         m.timeUnmap.map(ValueFormat.seconds) ?? ""]
    }

    static func rows(_ result: AnalysisResult) -> LazyMapSequence<[MappingRecord], [String]> {
        result.mappings.lazy.map(row)
    }
}
