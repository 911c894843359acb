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
    /// Labels are placed left to right and one that would touch the previous is left out
    /// (the piece's own start label wins over a neighbour's last tick), so labels never
    /// overlap at a cut.
    static func horizontal(_ axis: BrokenAddressAxis, y: Double, caption: String) -> [SVGElement] {
        var out: [SVGElement] = []
        struct Label { var x: Double; var text: String; var anchor: String; var tickX: Double; var priority: Int
            var left: Double { anchor == "start" ? x : (anchor == "end" ? x - width : x - width / 2) }
            var right: Double { left + width }
            var width: Double { Double(text.count) * 6.0 }
        }
        var labels: [Label] = []
        for piece in axis.pieces {
            out.append(.line(x1: piece.x0, y1: y, x2: piece.x1, y2: y, stroke: "#888"))
            let scale = piece.scale
            if piece.x1 - piece.x0 >= 220 {
                for tick in tickValues(scale) {
                    labels.append(Label(x: scale.x(tick), text: AddressScale.tickLabel(tick), anchor: "middle", tickX: scale.x(tick), priority: 0))
                }
            } else {
                let x = scale.x(piece.dataLow)
                let label = ValueFormat.hex(piece.dataLow)
                // A narrow piece near the right edge gets its label right-aligned to stay inside.
                let fitsRight = x + Double(label.count) * 6.2 <= axis.pixelEnd + 12
                labels.append(Label(x: fitsRight ? x : piece.x1, text: label, anchor: fitsRight ? "start" : "end", tickX: x, priority: 1))
            }
        }
        var kept: [Label] = []
        for label in labels.sorted(by: { $0.left < $1.left }) {
            if let last = kept.last, label.left < last.right + 6 {
                if label.priority > last.priority { kept[kept.count - 1] = label }
                continue
            }
            kept.append(label)
        }
        for label in kept {
            out.append(.line(x1: label.tickX, y1: y, x2: label.tickX, y2: y + 4, stroke: "#888"))
            out.append(.text(label.text, x: label.x, y: y + 15, anchor: label.anchor, size: 9.5, fill: "#555", className: "mono"))
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

    /// Tick values of a linear piece whose centred labels stay inside it.
    private static func tickValues(_ scale: AddressScale) -> [UInt64] {
        let all = scale.powerOfTwoTicks()
        let fitting = all.filter { tick in
            let x = scale.x(tick), half = Double(AddressScale.tickLabel(tick).count) * 3.1
            return x - half >= scale.pixelStart - 30 && x + half <= scale.pixelEnd + 2
        }
        return fitting.isEmpty ? Array(all.prefix(1)) : fitting
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
