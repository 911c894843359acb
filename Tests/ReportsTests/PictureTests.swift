import Foundation
import SGModel
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

    /// `width` of the rect whose title starts with `title`.
    static func rectWidth(_ svg: String, title: String) -> Double? {
        for chunk in svg.components(separatedBy: "<rect ").dropFirst() {
            guard let end = chunk.range(of: "</rect>"), chunk[..<end.lowerBound].contains("<title>\(title)") else { continue }
            guard let r = chunk.range(of: "width=\"") else { return nil }
            return Double(chunk[r.upperBound...].prefix { $0 != "\"" })
        }
        return nil
    }

    /// Axis labels (mono, 9.5) of a picture as (left, right) extents per baseline y.
    static func axisLabels(_ svg: String) -> [String: [(Double, Double)]] {
        var out: [String: [(Double, Double)]] = [:]
        for chunk in svg.components(separatedBy: "<text ").dropFirst() {
            let tag = chunk.prefix { $0 != ">" }
            guard tag.contains("font-size=\"9.5\""), tag.contains("class=\"mono\"") else { continue }
            func attr(_ name: String) -> String? {
                guard let r = tag.range(of: " \(name)=\"") ?? tag.range(of: "\(name)=\"") else { return nil }
                return String(tag[r.upperBound...].prefix { $0 != "\"" })
            }
            guard let x = attr("x").flatMap(Double.init), let y = attr("y") else { continue }
            let text = chunk.drop { $0 != ">" }.dropFirst().prefix { $0 != "<" }
            let w = Double(text.count) * 5.5
            let left = attr("text-anchor") == "end" ? x - w : (attr("text-anchor") == "middle" ? x - w / 2 : x)
            out[y, default: []].append((left, left + w))
        }
        return out
    }

    static func scatteredFinding() -> Finding {
        let inputs = [0x1_0000_0000, 0x1_0010_0000, 0x2_0000_0000, 0x2_4000_0000, 0x3_0000_0000, 0x3_0000_3000].map {
            ScatterEntry(pagePhys: UInt64($0), offset: 0, length: 0x1000)
        }
        return Finding(id: "F000001", kind: .modelMismatch, severity: .error, confidence: .definite, device: "0000:01:00.0", time: 1,
                       file: "t", line: 10, event: "dma_map_sg", detail: "d",
                       evidence: FindingEvidence(inputs: inputs, expected: [DMASegment(address: 0xfff0_0000, length: 0x6000)],
                                                 observed: [DMASegment(address: 0xfff0_0000, length: 0x6000)]))
    }

    @Test("card: the physical and DMA axes share one scale (4 KiB in is as wide as 4 KiB out); labels never overlap at cuts")
    func sharedScaleAndLabels() throws {
        var result = AnalysisFixture.sample
        result.findings = [Self.scatteredFinding()]
        let html = try writeHTML(result).text
        let card = try card(html, id: "F000001")
        let input = try #require(Self.rectWidth(card, title: "input 0:"))
        let observed = try #require(Self.rectWidth(card, title: "observed 0:"))
        #expect(abs(observed - 6 * input) <= 3, "input 4 KiB \(input) px, observed 24 KiB \(observed) px")
        #expect(card.contains("class=\"axis-break\""))
        for (y, labels) in Self.axisLabels(card) {
            let sorted = labels.sorted { $0.0 < $1.0 }
            for (a, b) in zip(sorted, sorted.dropFirst()) { #expect(b.0 >= a.1, "labels overlap at y=\(y): \(a) \(b)") }
        }
    }

    @Test("table cells never break hex values or file names mid-word")
    func noMidWordBreaks() throws {
        let html = try writeHTML(AnalysisFixture.sample).text
        let css = try #require(html.components(separatedBy: "<style>").dropFirst().first?.components(separatedBy: "</style>").first)
        #expect(!css.contains("break-all"))
        #expect(!css.contains("anywhere"))
        #expect(css.contains("td.hex"))
        #expect(html.contains("<td class=\"mono hex\">"))
        #expect(html.contains("<td class=\"mono loc\""))
    }
}
