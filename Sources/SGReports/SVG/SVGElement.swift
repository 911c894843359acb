import Foundation

/// A typed SVG element tree that renders itself with every attribute value and
/// text node escaped, for embedding inline in HTML (no `xmlns`: HTML5 parses
/// inline `<svg>` without one, and the page must name no URL).
struct SVGElement {
    var name: String
    var attributes: [(String, String)]
    var children: [SVGElement]
    var text: String?

    init(_ name: String, _ attributes: [(String, String)] = [], children: [SVGElement] = [], text: String? = nil) {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
    }

    func render(into out: inout String) {
        out += "<" + name
        for (key, value) in attributes { out += " \(key)=\"\(XMLText.escape(value))\"" }
        if children.isEmpty, text == nil {
            out += "/>"
            return
        }
        out += ">"
        if let text { out += XMLText.escape(text) }
        for child in children { child.render(into: &out) }
        out += "</\(name)>"
    }

    var rendered: String {
        var out = ""
        render(into: &out)
        return out
    }

    // MARK: shapes

    static func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil,
                     className: String? = nil, title: String? = nil, extra: [(String, String)] = []) -> SVGElement {
        var attrs = [("x", n(x)), ("y", n(y)), ("width", n(max(width, 0))), ("height", n(max(height, 0))), ("fill", fill)]
        if let stroke { attrs.append(("stroke", stroke)) }
        if let className { attrs.append(("class", className)) }
        attrs += extra
        return SVGElement("rect", attrs, children: title.map { [SVGElement("title", text: $0)] } ?? [])
    }

    static func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1,
                     dash: String? = nil, extra: [(String, String)] = []) -> SVGElement {
        var attrs = [("x1", n(x1)), ("y1", n(y1)), ("x2", n(x2)), ("y2", n(y2)), ("stroke", stroke), ("stroke-width", n(width))]
        if let dash { attrs.append(("stroke-dasharray", dash)) }
        return SVGElement("line", attrs + extra)
    }

    static func text(_ content: String, x: Double, y: Double, anchor: String = "start", size: Double = 11,
                     fill: String = "#222", weight: String? = nil, className: String? = nil) -> SVGElement {
        var attrs = [("x", n(x)), ("y", n(y)), ("text-anchor", anchor), ("font-size", n(size)), ("fill", fill)]
        if let weight { attrs.append(("font-weight", weight)) }
        if let className { attrs.append(("class", className)) }
        return SVGElement("text", attrs, text: content)
    }

    static func path(_ d: String, fill: String = "none", stroke: String = "#222", width: Double = 1,
                     extra: [(String, String)] = []) -> SVGElement {
        SVGElement("path", [("d", d), ("fill", fill), ("stroke", stroke), ("stroke-width", n(width))] + extra)
    }

    static func group(_ children: [SVGElement], className: String? = nil) -> SVGElement {
        SVGElement("g", className.map { [("class", $0)] } ?? [], children: children)
    }

    /// Diagonal red hatching, referenced as `url(#id)`.
    static func hatchPattern(id: String, color: String = "#d62728") -> SVGElement {
        SVGElement("pattern", [("id", id), ("patternUnits", "userSpaceOnUse"), ("width", "6"), ("height", "6"),
                               ("patternTransform", "rotate(45)")], children: [
            SVGElement("rect", [("width", "6"), ("height", "6"), ("fill", color), ("fill-opacity", "0.18")]),
            SVGElement("line", [("x1", "0"), ("y1", "0"), ("x2", "0"), ("y2", "6"), ("stroke", color), ("stroke-width", "3")]),
        ])
    }

    /// An arrow head marker, referenced as `url(#id)` in `marker-end`.
    static func arrowMarker(id: String, color: String) -> SVGElement {
        SVGElement("marker", [("id", id), ("viewBox", "0 0 10 10"), ("refX", "9"), ("refY", "5"), ("markerWidth", "7"),
                              ("markerHeight", "7"), ("orient", "auto-start-reverse")], children: [
            SVGElement("path", [("d", "M0,0 L10,5 L0,10 z"), ("fill", color)]),
        ])
    }

    /// The `<svg>` root: a scalable picture with an accessible label.
    static func document(width: Double, height: Double, label: String, className: String, defs: [SVGElement] = [],
                         children: [SVGElement]) -> SVGElement {
        let defsElement = defs.isEmpty ? [] : [SVGElement("defs", children: defs)]
        return SVGElement("svg", [("viewBox", "0 0 \(n(width)) \(n(height))"), ("width", n(width)), ("height", n(height)),
                                  ("role", "img"), ("aria-label", label), ("class", className),
                                  ("font-family", "system-ui, sans-serif")],
                          children: [SVGElement("title", text: label)] + defsElement + children)
    }

    /// Coordinates with at most one decimal, no trailing `.0`.
    static func n(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(format: "%.1f", r)
    }
}
