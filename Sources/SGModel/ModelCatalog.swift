/// The models `sgreplay models` lists and `--candidate` picks: the reference first.
public enum ModelCatalog {
    /// Reference, then the candidates.
    public static let all: [any SGMapperModel] = [
        ReferenceModel(),
        CandidateModel.p2pDoubleOffset,
        CandidateModel.p2pZeroLengthMarker,
        CandidateModel.p2pDMALengthTopBit,
        CandidateModel.p2pPageLinkBit,
    ]

    /// The model named `id`, or nil.
    public static func model(id: String) -> (any SGMapperModel)? {
        all.first { $0.id == id }
    }

    /// One line per model: `id  summary`, the reference first.
    public static func listing() -> [String] {
        let width = all.map(\.id.count).max() ?? 0
        return all.map { m in
            m.id + String(repeating: " ", count: width - m.id.count + 2) + (m.isReference ? "[reference] " : "") + m.summary
        }
    }
}
