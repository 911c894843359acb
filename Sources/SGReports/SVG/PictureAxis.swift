/// Shared drawing pieces of the report's pictures: a hex address axis and lane labels.
enum PictureAxis {
    /// A horizontal axis at `y` with hex tick labels and the visible span in binary units.
    static func horizontal(_ scale: AddressScale, y: Double, caption: String) -> [SVGElement] {
        var out: [SVGElement] = [.line(x1: scale.pixelStart, y1: y, x2: scale.pixelEnd, y2: y, stroke: "#888")]
        for tick in scale.powerOfTwoTicks() {
            let x = scale.x(tick)
            out.append(.line(x1: x, y1: y, x2: x, y2: y + 4, stroke: "#888"))
            out.append(.text(AddressScale.tickLabel(tick), x: x, y: y + 15, anchor: "middle", size: 9.5, fill: "#555",
                             className: "mono"))
        }
        out.append(.text("\(caption) — window \(ValueFormat.bytes(scale.span))", x: scale.pixelEnd, y: y + 28,
                         anchor: "end", size: 9.5, fill: "#777"))
        return out
    }

    /// A lane label in the left margin.
    static func laneLabel(_ text: String, y: Double, x: Double = 6) -> SVGElement {
        .text(text, x: x, y: y, size: 11, fill: "#333")
    }
}
