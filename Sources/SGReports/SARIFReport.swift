import Foundation
import SGReplay

/// Builds `findings.sarif`: one rule per finding kind (with its explanation), one
/// result per finding located at the trace file and line, and the call site's
/// `file:line` (when `Finding.source` holds one) as a related location.
struct SARIFReport {
    let result: AnalysisResult
    let catalog: FindingKindCatalog

    func log() -> SARIFLog {
        let kinds = FindingKind.allCases
        let ruleIndex = Dictionary(uniqueKeysWithValues: kinds.enumerated().map { ($1, $0) })
        let rules = kinds.map { kind in
            SARIFLog.Rule(
                id: kind.rawValue, name: catalog.ruleName(kind),
                shortDescription: .init(text: catalog.title(kind)),
                fullDescription: .init(text: catalog.explanation(kind)),
                help: .init(text: catalog.explanation(kind)),
                defaultConfiguration: .init(level: "error"))
        }
        let results = result.findings.map { f in
            SARIFLog.Result(
                ruleId: f.kind.rawValue, ruleIndex: ruleIndex[f.kind] ?? 0, level: Self.level(f.severity),
                message: .init(text: Self.message(f)),
                locations: [SARIFLog.Location(physicalLocation: .init(
                    artifactLocation: .init(uri: Self.uri(f.file)), region: f.line > 0 ? .init(startLine: f.line) : nil))],
                relatedLocations: Self.callSite(f.source).map { site in
                    [SARIFLog.Location(id: 1, physicalLocation: .init(
                        artifactLocation: .init(uri: Self.uri(site.file)), region: .init(startLine: site.line)),
                        message: .init(text: f.symbol.isEmpty ? "call site" : "call site \(f.symbol)"))]
                },
                partialFingerprints: ["sgreplayFinding/v1": "\(f.kind.rawValue):\(f.device):\(f.symbol):\(f.observed)"],
                properties: .init(id: f.id, confidence: f.confidence.rawValue, device: f.device,
                                  time: ValueFormat.seconds(f.time), event: f.event, expected: f.expected,
                                  observed: f.observed, symbol: f.symbol, source: f.source))
        }
        return SARIFLog(runs: [SARIFLog.Run(
            tool: .init(driver: .init(name: "sgreplay", fullName: "sgreplay DMA scatter-gather trace replay", rules: rules)),
            results: results,
            properties: ["kernel": result.kernel.description, "model": result.model, "modelReason": result.modelReason,
                         "candidate": result.candidate ?? ""])])
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var data = try encoder.encode(log())
        data.append(0x0a)
        return data
    }

    /// `error` → error, `warning` → warning, `info` → note.
    static func level(_ s: Severity) -> String {
        switch s {
        case .error: return "error"
        case .warning: return "warning"
        case .info: return "note"
        }
    }

    static func message(_ f: Finding) -> String {
        var text = "\(f.kind.rawValue) on \(f.device) at \(f.event)"
        if !f.detail.isEmpty { text += ": \(f.detail)" }
        if !f.expected.isEmpty || !f.observed.isEmpty { text += " (expected \(f.expected), observed \(f.observed))" }
        return text
    }

    /// A relative or absolute path as a URI reference (percent-encoded); `-` (stdin) stays `-`.
    static func uri(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: ":")
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
    }

    /// Splits `drivers/nvme/host/pci.c:812` into file and line; nil unless it ends in `:N`.
    static func callSite(_ source: String) -> (file: String, line: Int)? {
        guard let colon = source.lastIndex(of: ":"), let line = Int(source[source.index(after: colon)...]),
              line > 0, colon != source.startIndex else { return nil }
        return (String(source[..<colon]), line)
    }
}
