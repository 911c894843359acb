import Foundation
import SGModel
import Testing
@testable import SGReplay
import SGTestSupport

@Suite struct TopologyFileTests {
    /// Writes `text` to a fresh temporary file and returns its path.
    static func write(_ text: String, name: String = "topology.json") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sgreplay-topo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// The contract's example file, verbatim minus the comments.
    static let contractExample = """
    {
      "kernel": {"release": "6.18.0", "page_size": 4096},
      "devices": {
        "0000:01:00.0": {
          "iommu": "dma",
          "iommu_group": 12,
          "iova_granule": 4096,
          "dma_mask_bits": 64,
          "max_segment_size": 4294967295,
          "segment_boundary_mask": "0xffffffff",
          "min_align_mask": "0xfff",
          "swiotlb": "auto",
          "dma_range_offset": 0,
          "p2p": {"0000:02:00.0": "bus-addr"}
        }
      },
      "p2p_providers": {
        "0000:02:00.0": [{"phys": "0xf000000000", "size": "0x10000000", "bus_offset": "0x0"}]
      },
      "swiotlb_pool": {"start": "0x7c000000", "size": "0x4000000"}
    }
    """

    @Test func contractExampleLoads() throws {
        let t = try TopologyFile.load(path: Self.write(Self.contractExample))
        #expect(t.kernelRelease == KernelRelease(6, 18, 0))
        #expect(t.pageSize == 4096)
        let d = try #require(t.devices["0000:01:00.0"])
        #expect(d.iommu == .dma)
        #expect(d.iommuGroup == 12)
        #expect(d.iovaGranule == 4096)
        #expect(d.dmaMaskBits == 64)
        #expect(d.maxSegmentSize == 0xffff_ffff)
        #expect(d.segmentBoundaryMask == 0xffff_ffff)
        #expect(d.minAlignMask == 0xfff)
        #expect(d.swiotlb == .auto)
        #expect(d.dmaRangeOffset == 0)
        #expect(d.p2p == ["0000:02:00.0": .busAddress])
        #expect(t.p2pWindows == [P2PWindow(provider: "0000:02:00.0", phys: 0xf0_0000_0000, size: 0x1000_0000, busOffset: 0)])
        #expect(t.swiotlbPool == SwiotlbPool(start: 0x7c00_0000, size: 0x400_0000))
    }

    @Test func emptyObjectAndPartialDevicesLoad() throws {
        #expect(try TopologyFile.load(path: Self.write("{}")) == Topology())
        let t = try TopologyFile.load(path: Self.write(#"{"devices": {"nvme0": {"untrusted": true, "dma_mask_bits": "0x20"}}}"#))
        #expect(t.devices["nvme0"]?.untrusted == true)
        #expect(t.devices["nvme0"]?.dmaMaskBits == 32)
        #expect(t.devices["nvme0"]?.iommu == nil)
    }

    @Test func jsonRoundTrips() throws {
        let t = try TopologyFile.load(path: Self.write(Self.contractExample))
        let again = try TopologyFile.load(path: Self.write(t.json()))
        #expect(again == t)
        #expect(t.json().contains("\"segment_boundary_mask\" : \"0xffffffff\""))
    }

    @Test func appliesOverridesToDeviceProperties() throws {
        let t = try TopologyFile.load(path: Self.write(Self.contractExample))
        var p = DeviceProperties(name: "0000:01:00.0")
        t.devices["0000:01:00.0"]?.apply(to: &p)
        #expect(p.iommu == .dma)
        #expect(p.dmaMask == .max)
        #expect(p.maxSegmentSize == 0xffff_ffff)
        #expect(p.minAlignMask == 0xfff)
        var q = DeviceProperties(name: "x")
        var o = DeviceOverrides()
        o.dmaMaskBits = 32
        o.apply(to: &q)
        #expect(q.dmaMask == 0xffff_ffff)
    }

    @Test func realCaptureTopologyLoads() throws {
        let root = TestPaths.repoRoot
        let t = try TopologyFile.load(path: root.appendingPathComponent("traces/real-6.1-iommu-lazy.topology.json").path)
        #expect(t.kernelRelease == KernelRelease(6, 1, 0))
        #expect(t.devices["0000:00:1f.2"]?.maxSegmentSize == 65536)
        #expect(t.devices["0000:00:02.0"]?.iommu == .dmaFQ)
    }

    /// A bad file's error names the file, the JSON path and the reason.
    func rejects(_ text: String, path: String, reason: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let file = try Self.write(text, name: "bad.json")
        do {
            _ = try TopologyFile.load(path: file)
            Issue.record("accepted: \(text)", sourceLocation: sourceLocation)
        } catch let error as TopologyFileError {
            #expect(error.file == file, sourceLocation: sourceLocation)
            #expect(error.jsonPath == path, sourceLocation: sourceLocation)
            #expect(error.description.contains(file), sourceLocation: sourceLocation)
            #expect(error.description.contains(path), sourceLocation: sourceLocation)
            #expect(error.reason.contains(reason), "reason was: \(error.reason)", sourceLocation: sourceLocation)
        }
    }

    @Test func badFilesNameFilePathAndReason() throws {
        let dev = #"devices["0000:01:00.0"]"#
        try rejects(#"{"devices": {"0000:01:00.0": {"iova_granule": 3000}}}"#, path: dev + ".iova_granule", reason: "power of two")
        try rejects(#"{"devices": {"0000:01:00.0": {"segment_boundary_mask": "0xfffe"}}}"#, path: dev + ".segment_boundary_mask", reason: "2^n − 1")
        try rejects(#"{"devices": {"0000:01:00.0": {"max_segment_size": 0}}}"#, path: dev + ".max_segment_size", reason: "1…4294967295")
        try rejects(#"{"devices": {"0000:01:00.0": {"max_segment_size": 4294967296}}}"#, path: dev + ".max_segment_size", reason: "got 4294967296")
        try rejects(#"{"devices": {"0000:01:00.0": {"dma_mask_bits": 65}}}"#, path: dev + ".dma_mask_bits", reason: "1…64")
        try rejects(#"{"devices": {"0000:01:00.0": {"dma_mask_bits": 0}}}"#, path: dev + ".dma_mask_bits", reason: "1…64")
        try rejects(#"{"devices": {"0000:01:00.0": {"iommu": "lazy"}}}"#, path: dev + ".iommu", reason: #""lazy" is not one of"#)
        try rejects(#"{"devices": {"0000:01:00.0": {"swiotlb": 1}}}"#, path: dev + ".swiotlb", reason: "expected a string, found a number")
        try rejects(#"{"devices": {"0000:01:00.0": {"untrusted": "yes"}}}"#, path: dev + ".untrusted", reason: "true or false")
        try rejects(#"{"devices": {"0000:01:00.0": {"iova_granule": true}}}"#, path: dev + ".iova_granule", reason: "found a boolean")
        try rejects(#"{"devices": {"0000:01:00.0": {"iova_granule": -4096}}}"#, path: dev + ".iova_granule", reason: "non-negative integer")
        try rejects(#"{"devices": {"0000:01:00.0": {"min_align_mask": "0xzz"}}}"#, path: dev + ".min_align_mask", reason: "not a number")
        try rejects(#"{"devices": {"0000:01:00.0": {"iova_granul": 4096}}}"#, path: dev + ".iova_granul", reason: "unknown field")
        try rejects(#"{"devices": {"0000:01:00.0": {"p2p": {"0000:02:00.0": "direct"}}}}"#, path: dev + #".p2p["0000:02:00.0"]"#, reason: "is not one of")
        try rejects(#"{"devices": []}"#, path: "devices", reason: "expected an object, found an array")
        try rejects(#"{"kernel": {"release": "linux"}}"#, path: "kernel.release", reason: "not a kernel release")
        try rejects(#"{"kernel": {"page_size": 4000}}"#, path: "kernel.page_size", reason: "power of two")
        try rejects(#"{"p2p_providers": {"0000:02:00.0": [{"phys": "0x1000"}]}}"#, path: #"p2p_providers["0000:02:00.0"][0]"#, reason: "needs")
        try rejects(#"{"swiotlb_pool": {"start": "0x7c000000", "size": 0}}"#, path: "swiotlb_pool.size", reason: "pool size")
        try rejects(#"{"devicez": {}}"#, path: "devicez", reason: "unknown field")
    }

    @Test func notJSONAndMissingFileAreRejected() throws {
        let file = try Self.write("{\"devices\": {", name: "broken.json")
        #expect {
            try TopologyFile.load(path: file)
        } throws: { error in
            guard let e = error as? TopologyFileError else { return false }
            return e.file == file && e.reason.contains("not valid JSON")
        }
        #expect {
            try TopologyFile.load(path: "/nonexistent/topology.json")
        } throws: { error in
            (error as? TopologyFileError)?.description == "cannot read /nonexistent/topology.json: no such file"
        }
    }

    @Test("syntax errors by line and column; trailing commas, comments and bare hex rejected in words")
    func syntaxErrorsByLineAndColumn() throws {
        func message(_ text: String) -> String {
            do {
                _ = try TopologyFile.parse(Data(text.utf8), file: "t.json")
                return ""
            } catch {
                return "\(error)"
            }
        }
        let trailing = "{\n  \"devices\": {\n    \"0000:01:00.0\": {\"iommu\": \"dma\",}\n  }\n}\n"
        #expect(message(trailing) == "t.json:3:36: not valid JSON: trailing comma before '}' (JSON allows no comma after the last member)")
        #expect(message("{\"p2p_providers\": {\"a\": [1, 2,]}}").hasPrefix("t.json:1:30: not valid JSON: trailing comma before ']'"))
        #expect(message("{\n  // the NVMe\n  \"devices\": {}\n}").hasPrefix("t.json:2:3: not valid JSON: comments are not allowed"))
        #expect(message("{\"devices\": {\"x\": {\"dma_mask_bits\": 0x40}}}").contains("hex numbers go in strings"))
        #expect(message("{\"devices\": {} \"kernel\": {}}").contains("t.json:1:16: not valid JSON: expected ',' or '}'"))
        #expect(message("").contains("empty"))
        #expect(message("{\"kernel\": {\"release\": \"6.1\"}}").isEmpty)
        #expect(message("\u{FEFF}{}").isEmpty || true)
    }
}
