/// A small bar chart over labelled buckets (entries per list, segment sizes).
struct HistogramPicture {
    let title: String
    let buckets: [(label: String, count: Int)]

    static let width = 380.0
    static let height = 190.0

    func svg() -> SVGElement? {
        guard !buckets.isEmpty, let top = buckets.map(\.count).max(), top > 0 else { return nil }
        let left = 14.0, right = Self.width - 10, bottom = 150.0, topY = 30.0
        let slot = (right - left) / Double(buckets.count)
        var body: [SVGElement] = [.text(title, x: left, y: 16, size: 11.5, fill: "#333", weight: "bold"),
                                  .line(x1: left, y1: bottom, x2: right, y2: bottom, stroke: "#888")]
        for (i, b) in buckets.enumerated() {
            let h = Double(b.count) / Double(top) * (bottom - topY)
            let x = left + Double(i) * slot
            body.append(.rect(x: x + slot * 0.12, y: bottom - h, width: slot * 0.76, height: h, fill: "#4e79a7",
                              title: "\(b.label): \(b.count)"))
            if b.count > 0 {
                body.append(.text(String(b.count), x: x + slot / 2, y: bottom - h - 3, anchor: "middle", size: 8.5, fill: "#333"))
            }
            body.append(SVGElement("text", [("x", SVGElement.n(x + slot / 2)), ("y", SVGElement.n(bottom + 10)),
                                            ("font-size", "8.5"), ("fill", "#555"), ("text-anchor", "end"),
                                            ("transform", "rotate(-40 \(SVGElement.n(x + slot / 2)) \(SVGElement.n(bottom + 10)))")],
                                   text: b.label))
        }
        return .document(width: Self.width, height: Self.height, label: title, className: "histogram", children: body)
    }

    /// Power-of-two buckets `1, 2, 3–4, 5–8, …` up to the largest value.
    static func entryBuckets(_ values: [Int]) -> [(label: String, count: Int)] {
        guard let maxValue = values.max(), maxValue > 0 else { return [] }
        var bounds: [Int] = [1]
        while bounds.last! < maxValue { bounds.append(bounds.last! * 2) }
        var counts = [Int](repeating: 0, count: bounds.count)
        for v in values where v > 0 {
            let idx = bounds.firstIndex { v <= $0 } ?? bounds.count - 1
            counts[idx] += 1
        }
        return bounds.enumerated().map { i, hi in
            let lo = i == 0 ? 1 : bounds[i - 1] + 1
            return (lo == hi ? "\(hi)" : "\(lo)–\(hi)", counts[i])
        }
    }

    /// Power-of-two byte buckets `≤512 B, ≤1 KiB, …` from the smallest to the largest value.
    static func sizeBuckets(_ values: [UInt64]) -> [(label: String, count: Int)] {
        guard !values.isEmpty else { return [] }
        func bucket(_ v: UInt64) -> Int { v <= 1 ? 0 : 64 - (v - 1).leadingZeroBitCount }
        var counts: [Int: Int] = [:]
        for v in values { counts[bucket(v), default: 0] += 1 }
        let lo = counts.keys.min()!, hi = counts.keys.max()!
        return (lo...hi).map { b in
            let bound: UInt64 = b >= 64 ? .max : UInt64(1) << UInt64(b)
            return ("≤" + ValueFormat.bytes(bound), counts[b] ?? 0)
        }
    }
}
