import SGModel
import SGReplay

/// The picture of one finding's mapping: input entries on the physical axis, the
/// reference model's output and the observed output on a shared DMA axis, the
/// offending segments in red. Double offsets get a zoomed panel with a bracket
/// showing the extra offset; zero-length segments a marker at their address;
/// overlaps red hatching over the shared bytes.
struct MappingPicture {
    let finding: Finding
    /// Unique within the page (prefix for pattern and marker ids).
    let pictureID: String

    static let width = 780.0
    static let plotStart = 150.0
    static let plotEnd = 765.0
    static let laneHeight = 18.0

    static let inputColor = "#59a14f"
    static let observedColor = "#4e79a7"
    static let offendingColor = "#d62728"
    static let relatedColor = "#f28e2b"

    var evidence: FindingEvidence { finding.evidence }

    /// Offending indices that point into `observed` (others are ignored, never trusted).
    var offendingIndices: [Int] {
        evidence.offendingObserved.filter { $0 >= 0 && $0 < evidence.observed.count }
    }

    var inputRanges: [(UInt64, UInt64)] { evidence.inputs.map { ($0.phys, UInt64($0.length)) } }
    var dmaRanges: [(UInt64, UInt64)] {
        (evidence.expected + evidence.observed).map { ($0.address, UInt64($0.length)) } + evidence.relatedRanges.map { ($0.start, $0.length) }
    }

    /// One scale for the physical and the DMA axis, so that an input and the output it became
    /// are the same width: the coarser of the two axes' own scales (nil when only one is drawn).
    var sharedBytesPerPixel: Double? {
        guard !evidence.inputs.isEmpty, !dmaRanges.isEmpty else { return nil }
        let a = BrokenAddressAxis(ranges: inputRanges, pixelStart: Self.plotStart, pixelEnd: Self.plotEnd)
        let b = BrokenAddressAxis(ranges: dmaRanges, pixelStart: Self.plotStart, pixelEnd: Self.plotEnd)
        return max(a.bytesPerPixel, b.bytesPerPixel)
    }

    /// Nil when the finding carries nothing to draw.
    func svg() -> SVGElement? {
        let e = evidence
        guard !e.inputs.isEmpty || !e.observed.isEmpty || !e.expected.isEmpty || !e.relatedRanges.isEmpty else { return nil }
        var body: [SVGElement] = []
        var y = 8.0
        let offending = Set(offendingIndices)

        if !e.inputs.isEmpty {
            let scale = BrokenAddressAxis(ranges: e.inputs.map { ($0.phys, UInt64($0.length)) },
                                          pixelStart: Self.plotStart, pixelEnd: Self.plotEnd, bytesPerPixel: sharedBytesPerPixel)
            body.append(PictureAxis.laneLabel("input (physical)", y: y + 13))
            for (i, entry) in e.inputs.enumerated() {
                body += segment(scale, start: entry.phys, length: UInt64(entry.length), y: y, color: Self.inputColor,
                                label: "\(i)", title: "input \(i): phys \(ValueFormat.hex(entry.phys)), offset \(ValueFormat.hex(UInt64(entry.offset))), \(ValueFormat.bytes(UInt64(entry.length)))")
            }
            body += PictureAxis.horizontal(scale, y: y + Self.laneHeight + 4, caption: "physical address")
            y += Self.laneHeight + 44
        }

        let dmaRanges = (e.expected + e.observed).map { ($0.address, UInt64($0.length)) }
            + e.relatedRanges.map { ($0.start, $0.length) }
        if !dmaRanges.isEmpty {
            let scale = BrokenAddressAxis(ranges: dmaRanges, pixelStart: Self.plotStart, pixelEnd: Self.plotEnd,
                                          bytesPerPixel: sharedBytesPerPixel)
            let expectedY = y, observedY = y + 30, relatedY = y + 60
            if !e.expected.isEmpty {
                body.append(PictureAxis.laneLabel("expected (model)", y: expectedY + 13))
                for (j, s) in e.expected.enumerated() {
                    body += segment(scale, start: s.address, length: UInt64(s.length), y: expectedY, color: "#c9c9c9",
                                    label: "\(j)", title: "expected \(j): \(ValueFormat.hex(s.address)) + \(ValueFormat.bytes(UInt64(s.length)))",
                                    dashed: true)
                }
            }
            body.append(PictureAxis.laneLabel("observed (trace)", y: observedY + 13))
            for (j, s) in e.observed.enumerated() {
                let bad = offending.contains(j)
                body += segment(scale, start: s.address, length: UInt64(s.length), y: observedY,
                                color: bad ? Self.offendingColor : Self.observedColor, label: "\(j)",
                                title: "observed \(j): \(ValueFormat.hex(s.address)) + \(ValueFormat.bytes(UInt64(s.length)))\(s.isBusAddress ? " (bus address)" : "")\(bad ? " — offending" : "")",
                                className: bad ? "offending" : nil)
            }
            for j in offendingIndices {
                guard let exp = counterpart(of: j), exp.address != e.observed[j].address else { continue }
                body += shiftGuide(scale, from: exp.address, to: e.observed[j].address, top: expectedY, bottom: observedY)
            }
            if !e.relatedRanges.isEmpty {
                body.append(PictureAxis.laneLabel("related", y: relatedY + 13))
                for r in e.relatedRanges {
                    body += segment(scale, start: r.start, length: r.length, y: relatedY, color: Self.relatedColor,
                                    label: r.label, title: "\(r.label): \(ValueFormat.hex(r.start)) + \(ValueFormat.bytes(r.length))")
                }
            }
            body += overlapHatching(scale, observedY: observedY, relatedY: relatedY)
            let lanesBottom = (e.relatedRanges.isEmpty ? observedY : relatedY) + Self.laneHeight
            body += PictureAxis.horizontal(scale, y: lanesBottom + 4, caption: "DMA address")
            y = lanesBottom + 44
        }

        for j in offendingIndices.prefix(3) {
            guard let exp = counterpart(of: j), exp.address != e.observed[j].address else { continue }
            body += zoomPanel(expected: exp, observed: e.observed[j], index: j, top: y)
            y += 96
        }
        let defs: [SVGElement] = [.hatchPattern(id: "\(pictureID)-hatch"),
                                  .arrowMarker(id: "\(pictureID)-arrow", color: Self.offendingColor)]
        return .document(width: Self.width, height: y, label: "\(finding.kind.rawValue) \(finding.id): mapping on \(finding.device)",
                         className: "mapping", defs: defs, children: body)
    }

    /// The expected segment that observed segment `j` should have been: same index, else the nearest by address.
    func counterpart(of j: Int) -> DMASegment? {
        let e = evidence
        if j < e.expected.count { return e.expected[j] }
        let o = e.observed[j].address
        return e.expected.min { a, b in
            (a.address > o ? a.address - o : o - a.address) < (b.address > o ? b.address - o : o - b.address)
        }
    }

    private func segment(_ scale: BrokenAddressAxis, start: UInt64, length: UInt64, y: Double, color: String, label: String,
                         title: String, dashed: Bool = false, className: String? = nil) -> [SVGElement] {
        if length == 0 { return zeroLengthMarker(x: scale.x(start), y: y, title: title) }
        let x0 = scale.x(start), x1 = scale.endX(start: start, length: length)
        let w = max(x1 - x0, 1.5)
        var extra: [(String, String)] = [("fill-opacity", dashed ? "0.55" : "0.9")]
        if dashed { extra.append(("stroke-dasharray", "3 2")) }
        var out: [SVGElement] = [.rect(x: x0, y: y, width: w, height: Self.laneHeight, fill: color,
                                       stroke: dashed ? "#777" : "#333", className: className, title: title,
                                       extra: extra + [("stroke-width", className == nil ? "0.6" : "1.6")])]
        if w > 8 + Double(label.count) * 6 {
            out.append(.text(label, x: x0 + w / 2, y: y + 13, anchor: "middle", size: 10,
                             fill: dashed ? "#333" : "#fff"))
        }
        return out
    }

    /// A zero-length segment: a red stem with a triangle head and a `0 B` tag.
    private func zeroLengthMarker(x: Double, y: Double, title: String) -> [SVGElement] {
        let c = Self.offendingColor
        return [
            .line(x1: x, y1: y - 4, x2: x, y2: y + Self.laneHeight + 2, stroke: c, width: 2.5),
            SVGElement("path", [("d", "M\(SVGElement.n(x - 6)),\(SVGElement.n(y - 10)) L\(SVGElement.n(x + 6)),\(SVGElement.n(y - 10)) L\(SVGElement.n(x)),\(SVGElement.n(y - 2)) z"),
                                ("fill", c), ("class", "zero-length")], children: [SVGElement("title", text: title)]),
            .text("0 B", x: x + 8, y: y + 12, size: 10, fill: c, weight: "bold"),
        ]
    }

    /// Dashed guide from the expected start down to the observed one, with an arrow along the shift.
    private func shiftGuide(_ scale: BrokenAddressAxis, from: UInt64, to: UInt64, top: Double, bottom: Double) -> [SVGElement] {
        let xa = scale.x(from), xb = scale.x(to)
        var out: [SVGElement] = [.line(x1: xa, y1: top, x2: xa, y2: bottom + Self.laneHeight, stroke: Self.offendingColor,
                                       dash: "3 2")]
        if abs(xb - xa) >= 4 {
            out.append(.line(x1: xa, y1: bottom - 5, x2: xb, y2: bottom - 5, stroke: Self.offendingColor, width: 1.5,
                             extra: [("marker-end", "url(#\(pictureID)-arrow)")]))
        }
        return out
    }

    /// Red hatching over bytes shared by two observed segments, or by an observed segment and a related range.
    private func overlapHatching(_ scale: BrokenAddressAxis, observedY: Double, relatedY: Double) -> [SVGElement] {
        let e = evidence
        let fill = "url(#\(pictureID)-hatch)"
        var out: [SVGElement] = []
        let observed = e.observed.filter { $0.length > 0 }.map { ($0.address, $0.address &+ UInt64($0.length)) }
        func hatch(_ lo: UInt64, _ hi: UInt64, y: Double) {
            guard out.count < 400 else { return }
            let x0 = scale.x(lo), x1 = scale.endX(start: lo, length: hi - lo)
            out.append(.rect(x: x0, y: y - 3, width: max(x1 - x0, 2), height: Self.laneHeight + 6, fill: fill,
                             stroke: Self.offendingColor, className: "overlap",
                             title: "overlap \(ValueFormat.hex(lo))–\(ValueFormat.hex(hi)) (\(ValueFormat.bytes(hi - lo)))"))
        }
        for a in 0..<observed.count {
            for b in (a + 1)..<max(observed.count, a + 1) {
                let lo = max(observed[a].0, observed[b].0), hi = min(observed[a].1, observed[b].1)
                if lo < hi { hatch(lo, hi, y: observedY) }
            }
            for r in e.relatedRanges where r.length > 0 {
                let lo = max(observed[a].0, r.start), hi = min(observed[a].1, r.end)
                if lo < hi {
                    hatch(lo, hi, y: observedY)
                    hatch(lo, hi, y: relatedY)
                }
            }
        }
        return out
    }

    /// Zoom on one shifted segment: expected and observed starts a few shift-widths apart,
    /// a bracket between them labelled with the extra offset.
    private func zoomPanel(expected: DMASegment, observed: DMASegment, index j: Int, top: Double) -> [SVGElement] {
        let shift = observed.address > expected.address ? observed.address - expected.address : expected.address - observed.address
        let base = min(observed.address, expected.address)
        let longest = UInt64(max(expected.length, observed.length))
        let visible = max(min(longest, shift * 3), shift)
        let low = base >= shift / 2 ? base - shift / 2 : 0
        let high = max(observed.address, expected.address) &+ visible &+ shift / 2
        let scale = AddressScale(low: low, high: high, pixelStart: Self.plotStart, pixelEnd: Self.plotEnd)
        let ey = top + 14, oy = top + 40
        var out: [SVGElement] = [
            .text("zoom on observed segment \(j)", x: 6, y: top + 6, size: 10.5, fill: "#555", weight: "bold"),
            PictureAxis.laneLabel("expected", y: ey + 13), PictureAxis.laneLabel("observed", y: oy + 13),
        ]
        for (seg, y, color) in [(expected, ey, "#c9c9c9"), (observed, oy, Self.offendingColor)] {
            let x0 = scale.clampedX(seg.address), end = seg.address &+ UInt64(seg.length)
            let cut = end > high
            let x1 = cut ? Self.plotEnd : scale.clampedX(end)
            out.append(.rect(x: x0, y: y, width: max(x1 - x0, 1.5), height: Self.laneHeight, fill: color,
                             stroke: "#333", className: color == Self.offendingColor ? "offending" : nil,
                             title: "\(ValueFormat.hex(seg.address)) + \(ValueFormat.bytes(UInt64(seg.length)))"))
            out.append(.text(ValueFormat.hex(seg.address), x: x0 + 4, y: y + 13, size: 10,
                             fill: color == Self.offendingColor ? "#fff" : "#222", className: "mono"))
            if cut {
                let zig = "M\(SVGElement.n(x1 - 10)),\(SVGElement.n(y - 1)) l5,5 l-5,5 l5,5 l-5,5"
                out.append(.path(zig, stroke: "#fff", width: 3))
            }
        }
        let xa = scale.x(expected.address), xb = scale.x(observed.address)
        out.append(.line(x1: xa, y1: ey, x2: xa, y2: oy + Self.laneHeight + 8, stroke: Self.offendingColor, dash: "3 2"))
        let by = oy + Self.laneHeight + 8
        out.append(.path("M\(SVGElement.n(xa)),\(SVGElement.n(by - 4)) V\(SVGElement.n(by)) H\(SVGElement.n(xb)) V\(SVGElement.n(by - 4))",
                         stroke: Self.offendingColor, width: 2, extra: [("class", "shift-bracket")]))
        let sign = observed.address >= expected.address ? "+" : "−"
        out.append(.text("extra offset \(sign)\(ValueFormat.hex(shift)) (\(ValueFormat.bytes(shift)))",
                         x: (xa + xb) / 2, y: by + 14, anchor: "middle", size: 10.5, fill: Self.offendingColor,
                         weight: "bold"))
        return out
    }
}
