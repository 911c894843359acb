/// Shared drawing pieces of the report's pictures: hex address axes and lane labels.
enum PictureAxis {
    /// A horizontal linear axis at `y` with hex tick labels and the visible span in binary units.
    static func horizontal(_ scale: AddressScale, y: Double, caption: String) -> [SVGElement] {
        var out: [SVGElement] = [.line(x1: scale.pixelStart, y1: y, x2: scale.pixelEnd, y2: y, stroke: "#888")]
        out += ticks(scale, y: y)
        out.append(.text("\(caption) — window \(ValueFormat.bytes(scale.span))", x: scale.pixelEnd, y: y + 28,
                         anchor: "end", size: 9.5, fill: "#777"))
        return out
    }

    /// A broken axis: one baseline per piece, a `≈` break between pieces, ticks per piece.
    static func horizontal(_ axis: BrokenAddressAxis, y: Double, caption: String) -> [SVGElement] {
        var out: [SVGElement] = []
        for piece in axis.pieces {
            out.append(.line(x1: piece.x0, y1: y, x2: piece.x1, y2: y, stroke: "#888"))
            let scale = piece.scale
            if piece.x1 - piece.x0 >= 220 {
                out += ticks(scale, y: y)
            } else {
                let x = scale.x(piece.dataLow)
                out.append(.line(x1: x, y1: y, x2: x, y2: y + 4, stroke: "#888"))
                out.append(.text(ValueFormat.hex(piece.dataLow), x: x, y: y + 15, anchor: "start", size: 9.5,
                                 fill: "#555", className: "mono"))
            }
        }
        for x in axis.breakPositions {
            out.append(.path("M\(SVGElement.n(x - 5)),\(SVGElement.n(y + 4)) l4,-8 M\(SVGElement.n(x + 1)),\(SVGElement.n(y + 4)) l4,-8",
                             stroke: "#666", width: 1.4, extra: [("class", "axis-break")]))
        }
        let pieces = axis.pieces.count
        let shown = pieces > 1 ? "\(pieces) address windows, \(ValueFormat.bytes(axis.visibleSpan)) shown (gaps cut)"
                               : "window \(ValueFormat.bytes(axis.visibleSpan))"
        out.append(.text("\(caption) — \(shown)", x: axis.pixelEnd, y: y + 28, anchor: "end", size: 9.5, fill: "#777"))
        return out
    }

    private static func ticks(_ scale: AddressScale, y: Double) -> [SVGElement] {
        scale.powerOfTwoTicks().flatMap { tick -> [SVGElement] in
            let x = scale.x(tick)
            let label = AddressScale.tickLabel(tick)
            let half = Double(label.count) * 3.1
            let anchor = x + half > scale.pixelEnd ? "end" : (x - half < scale.pixelStart - 4 ? "start" : "middle")
            return [.line(x1: x, y1: y, x2: x, y2: y + 4, stroke: "#888"),
                    .text(label, x: x, y: y + 15, anchor: anchor, size: 9.5, fill: "#555", className: "mono")]
        }
    }

    /// A lane label in the left margin.
    static func laneLabel(_ text: String, y: Double, x: Double = 6) -> SVGElement {
        .text(text, x: x, y: y, size: 11, fill: "#333")
    }
}
