import Foundation
import SGReplay
import SGReports
import Testing

/// Pulls `attr="…"` values of elements whose class is `className` out of an SVG/HTML text.
func attributeValues(_ text: String, element: String, className: String, attribute: String) -> [String] {
    text.components(separatedBy: "<\(element) ").dropFirst().compactMap { chunk -> String? in
        let tag = chunk.prefix { $0 != ">" }
        guard tag.contains("class=\"\(className)\"") else { return nil }
        guard let range = tag.range(of: " \(attribute)=\"") ?? tag.range(of: "\(attribute)=\"") else { return nil }
        return String(tag[range.upperBound...].prefix { $0 != "\"" })
    }
}

@Suite("Pictures")
struct PictureTests {
    func card(_ html: String, id: String) throws -> String {
        let start = try #require(html.range(of: "<article class=\"card\" id=\"\(id)\""))
        let end = try #require(html.range(of: "</article>", range: start.upperBound..<html.endIndex))
        return String(html[start.lowerBound..<end.upperBound])
    }

    @Test("double offset: the offending segment is red and the shift is a visible bracket")
    func doubleOffset() throws {
        let html = try writeHTML(AnalysisFixture.sample).text
        let card = try card(html, id: "F000001")
        #expect(card.contains("<svg"))
        // Three input entries, one expected and one observed segment.
        #expect(card.components(separatedBy: "<title>input ").count - 1 == 3)
        #expect(card.components(separatedBy: "<title>expected 0:").count - 1 == 1)
        let offending = attributeValues(card, element: "rect", className: "offending", attribute: "x")
        #expect(offending.count == 2) // overview + zoom
        let bracket = try #require(attributeValues(card, element: "path", className: "shift-bracket", attribute: "d").first)
        // "Mxa,y Vy Hxb Vy": the bracket spans the shift; it must be wide enough to see.
        let numbers = bracket.split { !"0123456789.-".contains($0) }.compactMap { Double($0) }
        let xa = try #require(numbers.first), xb = numbers[numbers.count - 2]
        #expect(xb - xa >= 40, "shift drawn \(xb - xa) px wide")
        #expect(card.contains("extra offset +0x200 (512 B)"))
    }

    @Test("zero-length: a marker at the address; overlaps: hatched")
    func markers() throws {
        let html = try writeHTML(AnalysisFixture.sample).text
        let zero = try card(html, id: "F000003")
        #expect(zero.contains("class=\"zero-length\""))
        #expect(zero.contains(">0 B<"))
        let inList = try card(html, id: "F000004")
        #expect(attributeValues(inList, element: "rect", className: "overlap", attribute: "fill") == ["url(#pic-F000004-hatch)"])
        let live = try card(html, id: "F000005")
        #expect(attributeValues(live, element: "rect", className: "overlap", attribute: "fill").count == 2)
        #expect(live.contains("live, line 120"))
    }

    @Test("occupancy: overlapping live mappings are hatched")
    func occupancyOverlaps() throws {
        let html = try writeHTML(AnalysisFixture.sample).text
        let start = try #require(html.range(of: "class=\"occupancy\""))
        let svgEnd = try #require(html.range(of: "</svg>", range: start.upperBound..<html.endIndex))
        let svg = String(html[start.lowerBound..<svgEnd.upperBound])
        #expect(!attributeValues(svg, element: "rect", className: "overlap", attribute: "fill").isEmpty)
    }

    @Test("occupancy: far-apart address windows get a cut axis, each window labelled; findings are marked")
    func occupancyGapCut() throws {
        var result = AnalysisFixture.sample
        let device = try #require(result.mappings.first?.device)
        var far = try #require(result.mappings.first { $0.device == device })
        far.firstDMA = 0x4_4000_0000
        far.mapLine = 999
        result.mappings.append(far)
        let html = try writeHTML(result).text
        let start = try #require(html.range(of: "class=\"occupancy\""))
        let svgEnd = try #require(html.range(of: "</svg>", range: start.upperBound..<html.endIndex))
        let svg = String(html[start.lowerBound..<svgEnd.upperBound])
        #expect(svg.contains("class=\"axis-break\""))
        #expect(svg.contains("gaps cut"))
        #expect(svg.contains(">0x440000000<"), "the far window is labelled at its start")
        #expect(svg.contains("class=\"finding-mark\"") || svg.contains("finding-mark"))
        // No two address labels closer than 12 px.
        let ys = svg.components(separatedBy: "text-anchor=\"end\" font-size=\"9.5\"").dropFirst().count
        #expect(ys >= 2)
    }
}
