import Foundation
import SGIngest
import SGReplay

/// `summary.json`: what was read, what was found, with which model, and how long it
/// took (the only place run time appears). Encoded with sorted keys; the schema is
/// described in docs/reports.md.
struct SummaryDocument: Codable, Equatable {
    /// Bumped when a key is renamed or removed (never without a migration note).
    var schemaVersion = 1
    var tool = "sgreplay"
    var traces: [String]
    var input: Input
    var kernel: String
    var model: Model
    var devices: [Device]
    var mappings: Mappings
    var findings: Findings
    var timings: [String: Double]
    /// Files written into the report directory, sorted.
    var outputs: [String]
    /// `analysed`, or `not-analysed` when ``problems`` is not empty (the run exits 2).
    var status: String
    /// Why nothing trustworthy was analysed (no `dma:*` events, topology devices absent from the trace).
    var problems: [String]
    /// The trace's devices against the topology file's.
    var topology: TopologyCoverage

    /// `summary.json` → `topology`: which topology file, and the devices on one side only.
    struct TopologyCoverage: Codable, Equatable {
        /// The topology file used (given, or found beside the trace by `audit`); null without one.
        var file: String?
        /// Devices the topology describes, sorted.
        var devices: [String]
        /// Topology devices no event of the trace names.
        var unusedDevices: [String]
        /// Trace devices without a topology entry.
        var devicesWithoutTopology: [String]

        /// Writes `file` as `null` when absent, so the key is always there.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(file, forKey: .file)
            try c.encode(devices, forKey: .devices)
            try c.encode(unusedDevices, forKey: .unusedDevices)
            try c.encode(devicesWithoutTopology, forKey: .devicesWithoutTopology)
        }
    }

    /// CONTRACTS.md input accounting; `events_used + events_other + header_lines +
    /// stack_lines + malformed == lines`.
    struct Input: Codable, Equatable {
        var files: Int
        var fileNames: [String]
        var lines: Int
        var eventsUsed: Int
        var eventsOther: Int
        var headerLines: Int
        var stackLines: Int
        var malformed: Int
        /// `dma:*` events among `events_used` (0: the DMA tracepoints were not enabled).
        var dmaEvents: Int
        var lostEvents: UInt64
        var lostMarkers: Int
        var damaged: Bool
        var damage: [String]
        /// A signal stopped the reading (SIGINT, SIGTERM): the input did not end; what was read
        /// is analysed, and mappings live at that moment are not reported as leaks.
        var interrupted: Bool
        var interruptedBy: String?
        var liveNotReportedAsLeaks: Int
        var reconciles: Bool
        /// First 1000 malformed lines.
        var malformedLines: [MalformedLine]
    }

    struct Model: Codable, Equatable {
        var name: String
        var reason: String
        var candidate: String?
        /// Maps replayed through the reference model and how many it reproduced exactly.
        var replay: ModelReplayCounts?

        /// Writes `candidate` as `null` when absent, so the key is always there.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(reason, forKey: .reason)
            try c.encode(candidate, forKey: .candidate)
            try c.encodeIfPresent(replay, forKey: .replay)
        }
    }

    struct Device: Codable, Equatable {
        var device: String
        var kind: String
        var iommu: String
        var iommuGroup: Int?
        var granule: UInt64
        var dmaMask: String
        var dmaMaskBits: Int?
        var maxSegmentSize: UInt32
        var segmentBoundaryMask: String
        var minAlignMask: String
        var source: String
        var notes: [String]
        var mappings: Int
        var findings: Int
        /// Which limit checks ran; null for a topology device absent from the trace.
        var limitChecks: LimitChecks?

        /// Writes absent optionals as `null`, so every device has every key.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(device, forKey: .device)
            try c.encode(kind, forKey: .kind)
            try c.encode(iommu, forKey: .iommu)
            try c.encode(iommuGroup, forKey: .iommuGroup)
            try c.encode(granule, forKey: .granule)
            try c.encode(dmaMask, forKey: .dmaMask)
            try c.encode(dmaMaskBits, forKey: .dmaMaskBits)
            try c.encode(maxSegmentSize, forKey: .maxSegmentSize)
            try c.encode(segmentBoundaryMask, forKey: .segmentBoundaryMask)
            try c.encode(minAlignMask, forKey: .minAlignMask)
            try c.encode(source, forKey: .source)
            try c.encode(notes, forKey: .notes)
            try c.encode(mappings, forKey: .mappings)
            try c.encode(findings, forKey: .findings)
            try c.encode(limitChecks, forKey: .limitChecks)
        }
    }

    /// `devices[].limit_checks`: `max-segment-size`, `segment-boundary`, `dma-mask` by how they ran.
    struct LimitChecks: Codable, Equatable {
        /// Against a limit from the topology.
        var checked: [String]
        /// Against a kernel default only (findings at most `possible`).
        var possibleOnly: [String]
        /// Not at all (no limit known; inferred ones are lower bounds).
        var notChecked: [String]
    }

    struct Mappings: Codable, Equatable {
        var total: Int
        var unmapped: Int
        var liveAtEnd: Int
        var inexact: Int
    }

    struct Findings: Codable, Equatable {
        var total: Int
        /// Every kind of CONTRACTS.md, zero included.
        var byKind: [String: Int]
        var bySeverity: [String: Int]
        var byConfidence: [String: Int]
        var suppressedByLostEvents: Int
        var downgradedByLostEvents: Int
    }
}

extension SummaryDocument {
    init(result: AnalysisResult, outputs: [String]) {
        let input = result.input
        let totals = result.allMappingTotals
        let mappingsPerDevice = totals.perDevice
        var findingsPerDevice: [String: Int] = [:]
        var byKind = Dictionary(uniqueKeysWithValues: FindingKind.allCases.map { ($0.rawValue, 0) })
        var bySeverity = Dictionary(uniqueKeysWithValues: Severity.allCases.map { ($0.rawValue, 0) })
        var byConfidence = ["definite": 0, "possible": 0]
        for f in result.findings {
            findingsPerDevice[f.device, default: 0] += 1
            byKind[f.kind.rawValue, default: 0] += 1
            bySeverity[f.severity.rawValue, default: 0] += 1
            byConfidence[f.confidence.rawValue, default: 0] += 1
        }
        let limitChecks = Dictionary(result.coverage.limitChecks.map { ($0.device, $0) }, uniquingKeysWith: { a, _ in a })
        let unmapped = totals.unmapped
        self.init(
            traces: result.traces,
            input: Input(
                files: input.files.count, fileNames: input.files, lines: input.lines, eventsUsed: input.eventsUsed,
                eventsOther: input.eventsOther, headerLines: input.headerLines, stackLines: input.stackLines,
                malformed: input.malformed, dmaEvents: result.coverage.dmaEvents, lostEvents: input.lostEvents, lostMarkers: input.lostMarkers,
                damaged: input.damaged, damage: input.damage, interrupted: input.interrupted, interruptedBy: input.interruptedBy.map(SignalName.name), liveNotReportedAsLeaks: result.liveAtInterruption, reconciles: input.reconciles,
                malformedLines: Array(input.malformedLines.prefix(1000))),
            kernel: result.kernel.description,
            model: Model(name: result.model, reason: result.modelReason, candidate: result.candidate, replay: result.modelReplay),
            devices: result.devices.sorted { $0.properties.name < $1.properties.name }.map { d in
                let p = d.properties
                return Device(
                    device: p.name, kind: d.kind, iommu: p.iommu.rawValue, iommuGroup: d.iommuGroup,
                    granule: p.iovaGranule, dmaMask: ValueFormat.hex(p.addressLimit),
                    dmaMaskBits: ValueFormat.maskBits(p.addressLimit), maxSegmentSize: p.maxSegmentSize,
                    segmentBoundaryMask: ValueFormat.hex(p.segmentBoundaryMask),
                    minAlignMask: ValueFormat.hex(p.minAlignMask), source: d.source.rawValue, notes: d.notes,
                    mappings: mappingsPerDevice[p.name] ?? 0, findings: findingsPerDevice[p.name] ?? 0,
                    limitChecks: limitChecks[p.name].map { c in
                        LimitChecks(checked: c.checked.map(\.rawValue), possibleOnly: c.possibleOnly.map(\.rawValue),
                                    notChecked: c.notChecked.map(\.rawValue))
                    })
            },
            mappings: Mappings(total: totals.total, unmapped: unmapped,
                               liveAtEnd: totals.total - unmapped,
                               inexact: totals.inexact),
            findings: Findings(total: result.findings.count, byKind: byKind, bySeverity: bySeverity,
                               byConfidence: byConfidence,
                               suppressedByLostEvents: result.suppressedByLostEvents,
                               downgradedByLostEvents: result.downgradedByLostEvents),
            timings: result.timings,
            outputs: outputs.sorted(),
            status: result.problems.isEmpty ? "analysed" : "not-analysed",
            problems: result.problems,
            topology: TopologyCoverage(
                file: result.coverage.topologyFile, devices: result.coverage.topologyDevices,
                unusedDevices: result.coverage.unusedTopologyDevices,
                devicesWithoutTopology: result.coverage.devicesWithoutTopology))
    }

    /// Pretty-printed, sorted keys, snake_case keys, trailing newline.
    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        var data = try encoder.encode(self)
        data.append(0x0a)
        return data
    }
}

/// Names of the signals that stop an analysis.
public enum SignalName {
    /// `SIGINT`, `SIGTERM`, else `signal N`.
    public static func name(_ signal: Int32) -> String {
        switch signal {
        case 2: return "SIGINT"
        case 15: return "SIGTERM"
        case 1: return "SIGHUP"
        default: return "signal \(signal)"
        }
    }
}
