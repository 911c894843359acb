import Foundation
import SGIngest
import SGModel
import Testing
@testable import SGReplay

/// Real capture (Debian 6.1, dma-iommu lazy): every `dma_map_sg` reconstructed
/// and compared with the recorder's ground truth wherever the reconstruction
/// claims to be exact. Claiming exact wrongly is the failure that matters.
@Suite struct ReconstructionRealTraceTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let captureDir = repoRoot.appendingPathComponent("../shared/traces/real-6.1-iommu-lazy").standardizedFileURL

    /// `xz -dc FILE` as lines.
    static func xzLines(_ url: URL) throws -> [Substring] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["xz", "-dc", url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
    }

    /// Ground truth of one mapping: its input list.
    struct Truth {
        var device: String
        var inputs: [ScatterEntry]
    }

    @Test func exactReconstructionsMatchGroundTruth() throws {
        let trace = try Self.xzLines(Self.captureDir.appendingPathComponent("trace.txt.xz"))
        let truthLines = try Self.xzLines(Self.captureDir.appendingPathComponent("truth.jsonl.xz"))
        let topology = try TopologyFile.load(path: Self.repoRoot.appendingPathComponent("traces/real-6.1-iommu-lazy.topology.json").path)

        // trace_line = 1-based index among event lines.
        var truth: [Int: Truth] = [:]
        for line in truthLines where line.contains("\"event\":\"dma_map_sg\"") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let index = try #require(object["trace_line"] as? Int)
            let inputs = try #require(object["in"] as? [[String: Any]]).map { e in
                ScatterEntry(pagePhys: UInt64((e["page_phys"] as! String).dropFirst(2), radix: 16)!, offset: UInt32(e["offset"] as! Int), length: UInt32(e["length"] as! Int))
            }
            truth[index] = Truth(device: object["device"] as! String, inputs: inputs)
        }

        let reconstructor = ListReconstructor(topology: topology)
        var eventIndex = 0
        var exact = 0, possible = 0, truncated = 0, wrong: [Int] = []
        for line in trace where !line.hasPrefix("#") {
            eventIndex += 1
            guard let event = MapSGLine.parse(line) else { continue }
            let expected = try #require(truth[eventIndex], "no truth for event \(eventIndex)")
            #expect(expected.device == event.device)
            var device = DeviceProperties(name: event.device)
            topology.devices[event.device]?.apply(to: &device)
            let r = reconstructor.reconstruct(event, device: device, iommuRuns: [])
            if r.truncated { truncated += 1 }
            if r.exact {
                exact += 1
                if r.inputs != expected.inputs { wrong.append(eventIndex) }
            } else {
                possible += 1
                if !r.truncated {
                    // Even a possible reconstruction keeps the phys list and the total length.
                    #expect(r.inputs.map(\.phys) == expected.inputs.map(\.phys))
                    #expect(r.inputs.reduce(0) { $0 + UInt64($1.length) } == expected.inputs.reduce(0) { $0 + UInt64($1.length) })
                }
            }
        }
        print("real-6.1-iommu-lazy: \(exact + possible) dma_map_sg, \(exact) exact (all match truth: \(wrong.isEmpty)), \(possible) possible (\(truncated) truncated)")
        #expect(wrong.isEmpty, "exact but wrong at event lines \(wrong.prefix(20))")
        #expect(exact + possible == 6757)
        #expect(exact >= 4200)
    }
}

/// Reads the `dma_map_sg` lines of a 6.18-format ftrace text file (test-side
/// stand-in for the ingest module's decoder).
enum MapSGLine {
    static func parse(_ line: Substring) -> MapSGEvent? {
        guard let tag = line.range(of: ": dma_map_sg: ") else { return nil }
        let body = line[tag.upperBound...]
        let device = String(body.prefix { $0 != " " })
        func counts(_ key: String) -> (Int, Int)? {
            guard let r = body.range(of: " \(key)=") else { return nil }
            let text = body[r.upperBound...].prefix { $0 != " " }
            let parts = text.split(separator: "/")
            guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]) else { return nil }
            return (a, b)
        }
        func array(_ key: String) -> [UInt64] {
            guard let r = body.range(of: "\(key)={") else { return [] }
            let text = body[r.upperBound...].prefix { $0 != "}" }
            return text.split(separator: ",").compactMap { UInt64($0.dropFirst(2), radix: 16) }
        }
        guard let nents = counts("nents"), let ents = counts("ents") else { return nil }
        return MapSGEvent(
            device: device, direction: .fromDevice,
            physAddresses: array("phys_addrs"), dmaAddresses: array("dma_addrs"),
            dmaLengths: array("sizes").map { UInt32(truncatingIfNeeded: $0) },
            fullNents: nents.1, fullEnts: ents.1, truncated: body.contains("[TRUNCATED]")
        )
    }
}
