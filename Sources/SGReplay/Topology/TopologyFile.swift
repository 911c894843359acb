import Foundation
import SGModel

/// Reads a topology file (CONTRACTS.md "Topology file").
///
/// Every field is optional; numbers may be JSON integers or `"0x…"` strings.
/// Unknown fields, wrong types and impossible values (a granule that is not a
/// power of two, a boundary mask that is not 2^n − 1, …) are rejected with a
/// ``TopologyFileError`` naming the file, the JSON path and the reason.
public enum TopologyFile {
    static let topKeys: Set<String> = ["kernel", "devices", "p2p_providers", "swiotlb_pool"]
    static let kernelKeys: Set<String> = ["release", "page_size"]
    static let deviceKeys: Set<String> = [
        "iommu", "iommu_group", "iova_granule", "dma_mask_bits", "max_segment_size", "segment_boundary_mask",
        "min_align_mask", "swiotlb", "dma_range_offset", "p2p", "untrusted", "limits",
    ]

    /// Loads and checks the file at `path`.
    public static func load(path: String) throws -> Topology {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TopologyFileError(unreadable: path, reason: "no such file")
        }
        if isDirectory.boolValue { throw TopologyFileError(unreadable: path, reason: "it is a directory") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw TopologyFileError(unreadable: path, reason: "permission denied")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw TopologyFileError(unreadable: path, reason: describe(error))
        }
        return try parse(data, file: path)
    }

    /// Parses topology JSON; `file` names it in errors.
    public static func parse(_ data: Data, file: String) throws -> Topology {
        if let failure = JSONSyntaxCheck.check(Array(data)) {
            throw TopologyFileError(file: file, line: failure.line, column: failure.column, reason: "not valid JSON: \(failure.reason)")
        }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw TopologyFileError(file: file, jsonPath: "", reason: "not valid JSON: \(describe(error))")
        }
        let root = TopologyJSONValue(value: json, path: "", file: file)
        var topology = Topology()
        for (key, value) in try root.object(known: topKeys) {
            switch key {
            case "kernel": try readKernel(value, into: &topology)
            case "devices":
                for (name, device) in try value.object() {
                    topology.devices[name] = try readDevice(device)
                }
            case "p2p_providers": topology.p2pWindows = try readProviders(value)
            case "swiotlb_pool": topology.swiotlbPool = try readPool(value)
            default: break
            }
        }
        return topology
    }

    private static func readKernel(_ value: TopologyJSONValue, into topology: inout Topology) throws {
        for (key, field) in try value.object(known: kernelKeys) {
            if key == "release" {
                let text = try field.string()
                guard let release = KernelRelease(parsing: text) else { throw field.failure("\"\(text)\" is not a kernel release like \"6.18.0\"") }
                topology.kernelRelease = release
            } else {
                let size = try field.number()
                guard size >= 4096, size <= 1 << 20, size & (size - 1) == 0 else {
                    throw field.failure("page size must be a power of two from 4096 to 1048576, got \(size)")
                }
                topology.pageSize = size
            }
        }
    }

    private static func readDevice(_ value: TopologyJSONValue) throws -> DeviceOverrides {
        var d = DeviceOverrides()
        for (key, field) in try value.object(known: deviceKeys) {
            switch key {
            case "iommu": d.iommu = try field.choice(IOMMUMode.allCases)
            case "iommu_group": d.iommuGroup = Int(try field.number(in: 0 ... UInt64(Int32.max), "an IOMMU group number"))
            case "iova_granule":
                let g = try field.number()
                guard g >= 512, g <= 1 << 30, g & (g - 1) == 0 else {
                    throw field.failure("IOVA granule must be a power of two from 512 to 2^30, got \(g)")
                }
                d.iovaGranule = g
            case "dma_mask_bits": d.dmaMaskBits = Int(try field.number(in: 1 ... 64, "dma_mask_bits"))
            case "max_segment_size": d.maxSegmentSize = UInt32(try field.number(in: 1 ... UInt64(UInt32.max), "max_segment_size"))
            case "segment_boundary_mask":
                let mask = try field.number()
                guard mask != 0, mask & (mask &+ 1) == 0 else { throw field.failure("a segment boundary mask must be 2^n − 1 (n ≥ 1), got \(hex(mask))") }
                d.segmentBoundaryMask = mask
            case "min_align_mask":
                let mask = try field.number()
                guard mask & (mask &+ 1) == 0 else { throw field.failure("min_align_mask must be 2^n − 1, got \(hex(mask))") }
                d.minAlignMask = mask
            case "swiotlb": d.swiotlb = try field.choice([SwiotlbMode.auto, .force, .none])
            case "dma_range_offset": d.dmaRangeOffset = try field.number()
            case "untrusted": d.untrusted = try field.bool()
            case "limits": d.limits = try field.choice(LimitsPolicy.allCases)
            case "p2p":
                var types: [String: P2PMapType] = [:]
                for (provider, type) in try field.object() {
                    types[provider] = try type.choice([P2PMapType.busAddress, .thruHostBridge, .notSupported])
                }
                d.p2p = types
            default: break
            }
        }
        return d
    }

    private static func readProviders(_ value: TopologyJSONValue) throws -> [P2PWindow] {
        var windows: [P2PWindow] = []
        for (provider, list) in try value.object() {
            for item in try list.array() {
                var phys: UInt64?, size: UInt64?, offset: UInt64 = 0
                for (key, field) in try item.object(known: ["phys", "size", "bus_offset"]) {
                    switch key {
                    case "phys": phys = try field.number()
                    case "size": size = try field.number(in: 1 ... UInt64.max, "a window size")
                    default: offset = try field.number()
                    }
                }
                guard let phys, let size else { throw item.failure("a P2P window needs \"phys\" and \"size\"") }
                guard phys.addingReportingOverflow(size - 1).overflow == false else { throw item.failure("window \(hex(phys)) + \(hex(size)) passes 2^64") }
                windows.append(P2PWindow(provider: provider, phys: phys, size: size, busOffset: offset))
            }
        }
        return windows
    }

    private static func readPool(_ value: TopologyJSONValue) throws -> SwiotlbPool {
        var start: UInt64?, size: UInt64?
        for (key, field) in try value.object(known: ["start", "size"]) {
            if key == "start" { start = try field.number() } else { size = try field.number(in: 1 ... UInt64.max, "a pool size") }
        }
        guard let start, let size else { throw value.failure("the swiotlb pool needs \"start\" and \"size\"") }
        guard start.addingReportingOverflow(size - 1).overflow == false else { throw value.failure("pool \(hex(start)) + \(hex(size)) passes 2^64") }
        return SwiotlbPool(start: start, size: size)
    }

    private static func describe(_ error: Error) -> String {
        let ns = error as NSError
        if let detail = ns.userInfo[NSDebugDescriptionErrorKey] as? String { return detail }
        return ns.localizedDescription
    }
}
