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
                let label = ValueFormat.hex(piece.dataLow)
                // A narrow piece near the right edge gets its label right-aligned to stay inside.
                let fitsRight = x + Double(label.count) * 6.2 <= axis.pixelEnd + 12
                out.append(.line(x1: x, y1: y, x2: x, y2: y + 4, stroke: "#888"))
                out.append(.text(label, x: fitsRight ? x : piece.x1, y: y + 15, anchor: fitsRight ? "start" : "end",
                                 size: 9.5, fill: "#555", className: "mono"))
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
        // Labels are centred on their tick; a tick whose label would stick out of the axis is
        // left out (unless it is the only one), so labels never run into each other.
        let all = scale.powerOfTwoTicks()
        let fitting = all.filter { tick in
            let x = scale.x(tick), half = Double(AddressScale.tickLabel(tick).count) * 3.1
            return x - half >= scale.pixelStart - 30 && x + half <= scale.pixelEnd + 2
        }
        return (fitting.isEmpty ? Array(all.prefix(1)) : fitting).flatMap { tick -> [SVGElement] in
            let x = scale.x(tick)
            return [.line(x1: x, y1: y, x2: x, y2: y + 4, stroke: "#888"),
                    .text(AddressScale.tickLabel(tick), x: x, y: y + 15, anchor: "middle", size: 9.5, fill: "#555",
                          className: "mono")]
        }
    }

    /// A lane label in the left margin.
    static func laneLabel(_ text: String, y: Double, x: Double = 6) -> SVGElement {
        .text(text, x: x, y: y, size: 11, fill: "#333")
    }
}
