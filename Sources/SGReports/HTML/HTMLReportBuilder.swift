import SGModel
import SGReplay

/// Turns an ``AnalysisResult`` into the ``HTMLReportModel`` the template renders:
/// aggregates over everything, rows and pictures for the first N of each kind.
struct HTMLReportBuilder {
    let result: AnalysisResult
    let options: ReportOptions
    let catalog: FindingKindCatalog

    static let overlapKinds: Set<FindingKind> = [.overlapLive, .overlapInList, .overlapP2PIOVA]

    /// Rows rendered into the page itself (the first page of the table); the script renders the rest.
    static let firstPageRows = 100

    func model() -> HTMLReportModel {
        let findings = result.findings
        var perKind: [FindingKind: [Finding]] = [:]
        for f in findings { perKind[f.kind, default: []].append(f) }
        let counts = severityCounts(findings)
        let tableRows = Array(findings.prefix(max(0, options.htmlTableRowLimit)))
        let cardGroups = cardGroups(perKind)
        let carded = Set(cardGroups.flatMap { $0.cards.map(\.id) })
        let (sites, sitesMore) = callSites(findings)
        let (pictures, picturesMore) = devicePictures()
        let rows = tableRows.map { row($0, hasCard: carded.contains($0.id)) }
        return HTMLReportModel(
            title: "sgreplay report — " + (result.traces.isEmpty ? "(no trace)" : result.traces.map(Self.baseName).joined(separator: ", ")),
            traces: result.traces,
            overview: overview(),
            errors: counts[.error] ?? 0, warnings: counts[.warning] ?? 0, infos: counts[.info] ?? 0,
            totalFindings: findings.count,
            accounting: accounting(),
            accountingBar: accountingBar(),
            reconciles: result.input.reconciles,
            lostEvents: result.input.lostEvents > 0 || result.input.lostMarkers > 0,
            lostNote: lostNote(),
            damaged: result.input.damaged,
            damage: result.input.damage,
            notAnalysed: !result.problems.isEmpty,
            problems: result.problems,
            malformed: result.input.malformedLines.prefix(20).map { .init(file: $0.file, line: $0.line, reason: $0.reason) },
            hasMalformed: !result.input.malformedLines.isEmpty,
            malformedMore: Self.nonZero(result.input.malformed - min(20, result.input.malformedLines.count)),
            devices: devices(),
            kinds: kindRows(perKind),
            quietKinds: Optional(FindingKind.allCases.filter { perKind[$0] == nil }.map(\.rawValue).joined(separator: ", "))
                .flatMap { $0.isEmpty ? nil : $0 },
            sites: sites, sitesMore: Self.nonZero(sitesMore),
            findings: Array(rows.prefix(Self.firstPageRows)),
            findingsData: Self.scriptJSON(rows.map(\.dataRow)),
            findingsShown: rows.count,
            findingsTruncated: rows.count < findings.count,
            tableLimit: options.htmlTableRowLimit,
            perKind: options.htmlFindingsPerKind,
            kindOptions: FindingKind.allCases.filter { perKind[$0] != nil }.map(\.rawValue),
            deviceOptions: Array(Set(tableRows.map(\.device))).sorted(),
            cardGroups: cardGroups,
            devicePictures: pictures, devicePicturesMore: Self.nonZero(picturesMore),
            css: "", script: "")
    }

    /// JSON for a `<script type="application/json">` block: `<`, `>` and `&` as `\\u` escapes,
    /// so no trace text can close the element or open markup.
    static func scriptJSON(_ rows: [[String]]) -> String {
        var out = "["
        for (i, row) in rows.enumerated() {
            if i > 0 { out += ",\n" }
            out += "[" + row.map(jsonString).joined(separator: ",") + "]"
        }
        return out + "]"
    }

    static func jsonString(_ text: String) -> String {
        var out = "\""
        for u in text.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// Nil for zero (and negatives), so `{{#n}}` sections stay hidden.
    static func nonZero(_ n: Int) -> Int? { n > 0 ? n : nil }

    static func baseName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    static func anchor(_ text: String) -> String {
        String(text.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
    }

    private func hasEvidence(_ f: Finding) -> Bool {
        !f.evidence.inputs.isEmpty || !f.evidence.observed.isEmpty || !f.evidence.expected.isEmpty || !f.evidence.relatedRanges.isEmpty
    }

    private func severityCounts(_ findings: [Finding]) -> [Severity: Int] {
        var out: [Severity: Int] = [:]
        for f in findings { out[f.severity, default: 0] += 1 }
        return out
    }

    private func overview() -> [HTMLReportModel.KeyValue] {
        var rows: [HTMLReportModel.KeyValue] = [
            .init(key: "Traces", value: result.traces.joined(separator: ", ")),
            .init(key: "Kernel", value: result.kernel.description),
            .init(key: "Model", value: result.model),
            .init(key: "Why this model", value: result.modelReason),
        ]
        if let candidate = result.candidate { rows.append(.init(key: "Candidate model", value: candidate)) }
        rows.append(.init(key: "Devices", value: "\(result.devices.count)"))
        let totals = result.allMappingTotals
        rows.append(.init(key: "Mappings", value: "\(totals.total) reconstructed, \(totals.total - totals.unmapped) live at end of trace, \(totals.inexact) ambiguous" + (result.mappingsStreamed && result.mappings.count < totals.total ? " (pictures from the first \(result.mappings.count) rows; all in mappings.csv)" : "")))
        return rows
    }

    private func accounting() -> [HTMLReportModel.Accounting] {
        let i = result.input
        return [
            .init(label: "Input files", count: "\(i.files.count)", note: i.files.joined(separator: ", ")),
            .init(label: "Lines", count: "\(i.lines)", note: "= the five classes below"),
            .init(label: "Events used", count: "\(i.eventsUsed)", note: "DMA / IOMMU / swiotlb events replayed"),
            .init(label: "Other events", count: "\(i.eventsOther)", note: "well-formed events of no interest"),
            .init(label: "Header lines", count: "\(i.headerLines)", note: "headers, blank lines, markers"),
            .init(label: "Stack lines", count: "\(i.stackLines)", note: "stack-trace frames"),
            .init(label: "Malformed", count: "\(i.malformed)", note: "listed in summary.json (first 1000)"),
            .init(label: "Lost events", count: "\(i.lostEvents)", note: "\(i.lostMarkers) lost/dropped marker(s)"),
        ]
    }

    /// A stacked bar of the five line classes.
    private func accountingBar() -> String {
        let i = result.input
        let parts: [(String, Int, String)] = [("events used", i.eventsUsed, "#4e79a7"), ("other events", i.eventsOther, "#a0cbe8"),
                                              ("headers", i.headerLines, "#bab0ac"), ("stacks", i.stackLines, "#d4a6c8"),
                                              ("malformed", i.malformed, "#d62728")]
        let total = max(parts.reduce(0) { $0 + $1.1 }, 1)
        var x = 0.0
        var body: [SVGElement] = []
        var legendX = 0.0
        for (label, count, color) in parts {
            let w = Double(count) / Double(total) * 760
            if w > 0 { body.append(.rect(x: x, y: 0, width: w, height: 18, fill: color, title: "\(label): \(count)")) }
            x += w
            body.append(.rect(x: legendX, y: 26, width: 10, height: 10, fill: color))
            let text = "\(label) \(count)"
            body.append(.text(text, x: legendX + 14, y: 35, size: 10.5, fill: "#333"))
            legendX += 24 + Double(text.count) * 6.2
        }
        return SVGElement.document(width: 760, height: 40, label: "input line classes", className: "bar", children: body).rendered
    }

    private func lostNote() -> String {
        let i = result.input
        var text = "The trace lost \(i.lostEvents) event(s) at \(i.lostMarkers) marker(s)."
        text += " \(result.downgradedByLostEvents) finding(s) were downgraded to possible and \(result.suppressedByLostEvents) suppressed because history before them is incomplete."
        return text
    }

    private func devices() -> [HTMLReportModel.Device] {
        var findings: [String: Int] = [:]
        let mappings = result.allMappingTotals.perDevice
        for f in result.findings { findings[f.device, default: 0] += 1 }
        return result.devices.sorted { $0.properties.name < $1.properties.name }.map { d in
            let p = d.properties
            return .init(name: p.name, kind: d.kind, iommu: p.iommu.rawValue, granule: ValueFormat.bytes(p.iovaGranule),
                         mask: d.inferredBounds.dmaMaskBits.map { "≥ \($0)-bit" } ?? ValueFormat.maskBits(p.addressLimit).map { "\($0)-bit" } ?? ValueFormat.hex(p.addressLimit),
                         maxSegment: d.inferredBounds.largestSegment.map { "≥ " + ValueFormat.bytes($0) } ?? ValueFormat.bytes(UInt64(p.maxSegmentSize)), boundary: ValueFormat.hex(p.segmentBoundaryMask),
                         source: d.source.rawValue, inferred: d.source == .inferred, mappings: mappings[p.name] ?? 0,
                         findings: findings[p.name] ?? 0, notes: d.notes.joined(separator: "; "))
        }
    }

    private func kindRows(_ perKind: [FindingKind: [Finding]]) -> [HTMLReportModel.KindRow] {
        let top = max(perKind.values.map(\.count).max() ?? 1, 1)
        return FindingKind.allCases.compactMap { kind in
            guard let list = perKind[kind] else { return nil }
            let c = severityCounts(list)
            return .init(kind: kind.rawValue, title: catalog.title(kind), explanation: catalog.explanation(kind),
                         errors: c[.error] ?? 0, warnings: c[.warning] ?? 0, infos: c[.info] ?? 0, total: list.count,
                         barWidth: max(2, list.count * 160 / top), anchor: "kind-" + kind.rawValue)
        }
    }

    private func callSites(_ findings: [Finding]) -> ([HTMLReportModel.SiteRow], Int) {
        struct Site { var source: String; var count: Int; var kinds: Set<String> }
        var sites: [String: Site] = [:]
        for f in findings {
            let key = f.symbol.isEmpty ? "(no call site)" : f.symbol
            sites[key, default: Site(source: f.source, count: 0, kinds: [])].count += 1
            sites[key]!.kinds.insert(f.kind.rawValue)
        }
        let sorted = sites.sorted { ($1.value.count, $0.key) < ($0.value.count, $1.key) }
        let rows = sorted.prefix(30).map { key, site in
            HTMLReportModel.SiteRow(symbol: key, source: site.source, count: site.count, kinds: site.kinds.sorted().joined(separator: ", "))
        }
        return (rows, max(0, sorted.count - rows.count))
    }

    /// `file:line` of the map call a finding belongs to (``FindingFacts/mapLine(_:)``).
    static func mapCall(_ f: Finding) -> String { "\(baseName(f.file)):\(FindingFacts.mapLine(f))" }

    private func row(_ f: Finding, hasCard: Bool) -> HTMLReportModel.FindingRow {
        .init(id: f.id, kind: f.kind.rawValue, severity: f.severity.rawValue, confidence: f.confidence.rawValue, device: f.device,
              time: ValueFormat.seconds(f.time), timeSort: String(format: "%020.6f", f.time), location: "\(Self.baseName(f.file)):\(f.line)",
              file: f.file, line: f.line, event: f.event, detail: f.detail, expected: f.expected, observed: f.observed,
              symbol: f.symbol, mapCall: Self.mapCall(f), hasCard: hasCard)
    }

    /// The card of one finding (every picture drawn), for `sgreplay explain`.
    func card(for finding: Finding) -> HTMLReportModel.Card? {
        var perKind: [FindingKind: [Finding]] = [:]
        perKind[finding.kind] = [finding]
        return cardGroups(perKind, only: [finding]).first?.cards.first
    }

    private func cardGroups(_ perKind: [FindingKind: [Finding]], only: [Finding]? = nil) -> [HTMLReportModel.KindCards] {
        let chosen = FindingKind.allCases.map { kind in (kind, only.map { $0.filter { $0.kind == kind } } ?? Array((perKind[kind] ?? []).prefix(max(0, options.htmlFindingsPerKind)))) }
        let all = chosen.flatMap(\.1)
        // Findings of each map call (for the cards' "same map call" links), over every finding.
        var byMapCall: [String: [Finding]] = [:]
        for f in result.findings { byMapCall[f.file + "\u{1F}" + String(FindingFacts.mapLine(f)), default: []].append(f) }
        let quotes = quotedLines(all)
        var pictureBytes = 0
        return chosen.compactMap { kind, list in
            guard !list.isEmpty else { return nil }
            let cards = list.map { f -> HTMLReportModel.Card in
                var svg: String?
                var omitted = false
                if hasEvidence(f) {
                    if pictureBytes < options.htmlPictureBytes {
                        svg = MappingPicture(finding: f, pictureID: "pic-" + Self.anchor(f.id)).svg()?.rendered
                        pictureBytes += svg?.utf8.count ?? 0
                    } else {
                        omitted = true
                    }
                }
                let siblings = (byMapCall[f.file + "\u{1F}" + String(FindingFacts.mapLine(f))] ?? []).filter { $0.id != f.id }
                let q = quotes(f)
                return HTMLReportModel.Card(
                    id: f.id, kind: f.kind.rawValue, severity: f.severity.rawValue, confidence: f.confidence.rawValue,
                    device: f.device, location: "\(f.file):\(f.line)", event: f.event, detail: f.detail,
                    expected: f.expected, observed: f.observed, symbol: f.symbol, source: f.source,
                    hasCallSite: !f.symbol.isEmpty || !f.source.isEmpty, svg: svg, pictureOmitted: omitted,
                    mapCall: Self.mapCall(f),
                    sameMapCall: siblings.prefix(20).map { .init(id: $0.id, kind: $0.kind.rawValue) },
                    sameMapCallMore: Self.nonZero(siblings.count - 20),
                    quotes: q.lines, quotesNote: q.note, hasSameMapCall: !siblings.isEmpty, hasQuotes: !q.lines.isEmpty)
            }
            return .init(kind: kind.rawValue, title: catalog.title(kind), explanation: catalog.explanation(kind), cards: cards,
                         more: Self.nonZero((perKind[kind]?.count ?? 0) - cards.count), anchor: "cards-" + kind.rawValue)
        }
    }

    /// The raw trace lines of each card: the map call, the finding's own event when it is
    /// another line, and the unmap of a map finding's mapping when the trace has it.
    private func quotedLines(_ cards: [Finding]) -> (Finding) -> (lines: [HTMLReportModel.Quote], note: String?) {
        var unmapOf: [String: Int] = [:]
        for m in result.mappings { if let u = m.unmapLine { unmapOf[m.mapFile + "\u{1F}" + String(m.mapLine)] = u } }
        func wanted(_ f: Finding) -> [(String, Int)] {
            let map = FindingFacts.mapLine(f)
            var out: [(String, Int)] = [("map", map)]
            if f.line != map { out.append((f.event, f.line)) }
            if let u = unmapOf[f.file + "\u{1F}" + String(map)], u != f.line { out.append(("unmap", u)) }
            return out
        }
        var lines: [String: [Int: String]] = [:]
        if options.quoteTraceLines {
            var need: [String: Set<Int>] = [:]
            for f in cards { for (_, l) in wanted(f) { need[f.file, default: []].insert(l) } }
            lines = TraceLineQuotes.read(need)
        }
        let quoting = options.quoteTraceLines
        return { f in
            guard quoting else { return ([], nil) }
            if f.file == "-" { return ([], "raw lines not quoted: the trace came from standard input") }
            guard let text = lines[f.file] else { return ([], "raw lines not quoted: \(f.file) could not be read again (not a regular file, or unreadable)") }
            let quotes = wanted(f).compactMap { label, l in
                text[l].map { HTMLReportModel.Quote(label: label, location: "\(Self.baseName(f.file)):\(l)", text: $0) }
            }
            return (quotes, nil)
        }
    }

    private func devicePictures() -> ([HTMLReportModel.DevicePictures], Int) {
        var byDevice: [String: [MappingRecord]] = [:]
        for m in result.mappings { byDevice[m.device, default: []].append(m) }
        var overlaps: [String: [Finding]] = [:]
        for f in result.findings { overlaps[f.device, default: []].append(f) }
        let ordered = byDevice.sorted { ($1.value.count, $0.key) < ($0.value.count, $1.key) }
        let shown = ordered.prefix(options.htmlDevices)
        let pictures = shown.enumerated().map { index, entry in
            let (device, mappings) = entry
            let occupancy = OccupancyPicture(device: device, mappings: mappings, overlapFindings: overlaps[device] ?? [],
                                             limit: options.occupancyMappingLimit, pictureID: "occ-\(index)")
            let segmentSizes: [UInt64] = mappings.flatMap { m in
                m.outputs.isEmpty ? [m.totalLength] : m.outputs.prefix(m.ents).map { UInt64($0.length) }
            }
            let sizeTitle = mappings.contains { !$0.outputs.isEmpty } ? "DMA segment sizes" : "mapping sizes"
            let note = mappings.count > options.occupancyMappingLimit
                ? "\(mappings.count) mappings: drawn as a density grid (darker = more live mappings); crosses mark findings (red: error). The address axis is cut between the windows in use."
                : "\(mappings.count) mappings; light bars are still live at the end of the trace; red hatching marks overlaps; crosses mark findings (red: error). The address axis is cut between the windows in use."
            return HTMLReportModel.DevicePictures(
                name: device, occupancy: occupancy.svg()?.rendered ?? "",
                nents: HistogramPicture(title: "entries per list (nents)", buckets: HistogramPicture.entryBuckets(mappings.map(\.nents))).svg()?.rendered ?? "",
                sizes: HistogramPicture(title: sizeTitle, buckets: HistogramPicture.sizeBuckets(segmentSizes)).svg()?.rendered ?? "",
                note: note)
        }
        return (pictures, max(0, ordered.count - shown.count))
    }
}
