import Foundation
import SGReplay

/// Builds `findings.sarif`: one rule per finding kind (with its explanation), one
/// result per finding located at the trace file (absolute `file:` URI) and line, and
/// the call site's `file:line` (when `Finding.source` holds one) as a related location,
/// relative to the `KERNEL_SRC` base (``kernelSourceBase``) unless absolute.
///
/// `partialFingerprints["sgreplayFinding/v2"]` is unique per result: kind, device, the
/// map call (call-site symbol when known, else the event's line) and the offending output
/// indices, never an observed length (which moves with the data); a result whose fields
/// repeat an earlier one's gets `|#2`, `|#3`… in order.
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
        let fingerprints = Self.fingerprints(result.findings)
        let results = result.findings.enumerated().map { i, f in
            SARIFLog.Result(
                ruleId: f.kind.rawValue, ruleIndex: ruleIndex[f.kind] ?? 0, level: Self.level(f.severity),
                message: .init(text: Self.message(f)),
                locations: [SARIFLog.Location(physicalLocation: .init(
                    artifactLocation: Self.traceLocation(f.file), region: f.line > 0 ? .init(startLine: f.line) : nil))],
                relatedLocations: Self.callSite(f.source).map { site in
                    [SARIFLog.Location(id: 1, physicalLocation: .init(
                        artifactLocation: Self.sourceLocation(site.file), region: .init(startLine: site.line)),
                        message: .init(text: f.symbol.isEmpty ? "call site" : "call site \(f.symbol)"))]
                },
                partialFingerprints: ["sgreplayFinding/v2": fingerprints[i]],
                properties: .init(id: f.id, confidence: f.confidence.rawValue, device: f.device,
                                  time: ValueFormat.seconds(f.time), event: f.event, expected: f.expected,
                                  observed: f.observed, symbol: f.symbol, source: f.source))
        }
        let relativeSources = result.findings.contains { f in Self.callSite(f.source).map { !$0.file.hasPrefix("/") } ?? false }
        return SARIFLog(runs: [SARIFLog.Run(
            originalUriBaseIds: relativeSources ? [Self.kernelSourceBase: .init(description: .init(
                text: "Root of the kernel source tree the symbols were built from (call sites are relative to it)"))] : nil,
            tool: .init(driver: .init(name: "sgreplay", fullName: "sgreplay DMA scatter-gather trace replay", rules: rules)),
            results: results,
            properties: ["kernel": result.kernel.description, "model": result.model, "modelReason": result.modelReason,
                         "candidate": result.candidate ?? ""])])
    }

    /// Compact JSON (sorted keys): large runs carry 100k+ results, and indentation would
    /// triple the file for nobody (CI tools read it, people read report.html).
    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
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

    /// Says what happened where, without repeating the rule id (SARIF viewers show it beside the message).
    static func message(_ f: Finding) -> String {
        var text = f.event.isEmpty ? "On \(f.device)" : "\(f.event) on \(f.device)"
        if !f.detail.isEmpty { text += ": \(f.detail)" }
        if !f.expected.isEmpty || !f.observed.isEmpty { text += " (expected \(f.expected), observed \(f.observed))" }
        return text
    }

    /// The `uriBaseId` of call-site source files given relative to the kernel tree.
    static let kernelSourceBase = "KERNEL_SRC"

    /// A path as a URI reference (percent-encoded, `:` too so no segment reads as a scheme).
    static func uri(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: ":")
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
    }

    /// A trace file as an absolute `file:` URI (relative paths resolved against the current
    /// directory); standard input (`-`) stays the relative reference `-`.
    static func traceLocation(_ path: String) -> SARIFLog.ArtifactLocation {
        guard path != "-", !path.isEmpty else { return .init(uri: path) }
        return .init(uri: "file://" + uri(URL(fileURLWithPath: path).standardizedFileURL.path))
    }

    /// A call-site source file: absolute paths as `file:` URIs, others relative to ``kernelSourceBase``.
    static func sourceLocation(_ path: String) -> SARIFLog.ArtifactLocation {
        if path.hasPrefix("/") { return .init(uri: "file://" + uri(URL(fileURLWithPath: path).standardizedFileURL.path)) }
        return .init(uri: uri(path), uriBaseId: kernelSourceBase)
    }

    /// One fingerprint per finding, in order: `kind|device|call|outputs`, where call is the
    /// symbol when known (else `line N`) and outputs the offending output indices (`-` when
    /// none); repeats of an earlier value get `|#2`, `|#3`….
    static func fingerprints(_ findings: [Finding]) -> [String] {
        var seen: [String: Int] = [:]
        return findings.map { f in
            let call = f.symbol.isEmpty ? "line \(f.line)" : f.symbol
            let outputs = f.evidence.offendingObserved.isEmpty ? "-" : f.evidence.offendingObserved.map(String.init).joined(separator: ",")
            let base = "\(f.kind.rawValue)|\(f.device)|\(call)|\(outputs)"
            seen[base, default: 0] += 1
            let n = seen[base]!
            return n == 1 ? base : "\(base)|#\(n)"
        }
    }

    /// Splits `drivers/nvme/host/pci.c:812` into file and line; nil unless it ends in `:N`.
    static func callSite(_ source: String) -> (file: String, line: Int)? {
        guard let colon = source.lastIndex(of: ":"), let line = Int(source[source.index(after: colon)...]),
              line > 0, colon != source.startIndex else { return nil }
        return (String(source[..<colon]), line)
    }
}
