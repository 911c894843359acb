import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The machine's topology file (CONTRACTS "Topology file") from sysfs and procfs, as
/// `scripts/capture.sh --topology-only` writes it (same fields, same layout, byte for byte;
/// `CaptureScriptTests` compares the two on a fake machine):
///
/// - every PCI device (`bus/pci/devices/*`): its IOMMU group and the group's type
///   (`DMA` → `dma`, `DMA-FQ` → `dma-fq`, `identity`), or `"iommu": "none"` when the machine
///   has no IOMMU groups at all; `dma_mask_bits`; `max_segment_size`, the smallest of the
///   block queues below the device;
/// - P2PDMA providers (devices with `p2pmem/`): their memory windows from `/proc/iomem`
///   (root sees real addresses), else from the `resource` file's memory BARs;
/// - the kernel release, the page size, and the swiotlb pool from the kernel log
///   (`software IO TLB: mapped [mem START-END]`).
///
/// sysfs gives neither the segment boundary mask nor `min_align_mask`: check the file.
public struct SysfsTopology: Sendable {
    /// Root of sysfs (`/sys`), of procfs (`/proc`).
    public var sysfs: String
    public var procfs: String
    /// The kernel log; nil: run `dmesg`.
    public var kernelLog: String?

    public init(sysfs: String = "/sys", procfs: String = "/proc", kernelLog: String? = nil) {
        self.sysfs = sysfs
        self.procfs = procfs
        self.kernelLog = kernelLog
    }

    /// The topology file's text (JSON, ends with a newline).
    public func json() -> String {
        let fm = FileManager.default
        let segments = smallestSegmentSizes()
        let groupsDir = sysfs + "/kernel/iommu_groups"
        let haveGroups = !((try? fm.contentsOfDirectory(atPath: groupsDir)) ?? []).isEmpty
        var devices: [String] = []
        var providers: [String] = []
        let pciDir = sysfs + "/bus/pci/devices"
        for bdf in ((try? fm.contentsOfDirectory(atPath: pciDir)) ?? []).sorted() {
            let dev = pciDir + "/" + bdf
            var fields: [String] = []
            if let link = try? fm.destinationOfSymbolicLink(atPath: dev + "/iommu_group") {
                let group = (link as NSString).lastPathComponent
                if !group.isEmpty, group.allSatisfy(\.isASCIIDigit) { fields.append("\"iommu_group\": \(group)") }
                switch Self.firstLine(groupsDir + "/" + group + "/type") {
                case "DMA": fields.append("\"iommu\": \"dma\"")
                case "DMA-FQ": fields.append("\"iommu\": \"dma-fq\"")
                case "identity": fields.append("\"iommu\": \"identity\"")
                default: break
                }
            } else if !haveGroups {
                fields.append("\"iommu\": \"none\"")
            }
            if let bits = Self.firstLine(dev + "/dma_mask_bits").flatMap(Self.decimal), (1...64).contains(bits) {
                fields.append("\"dma_mask_bits\": \(bits)")
            }
            if let size = segments[bdf], (1...0xffff_ffff).contains(size) {
                fields.append("\"max_segment_size\": \(size)")
            }
            if !fields.isEmpty { devices.append("    \(Self.jsonString(bdf)): {\(fields.joined(separator: ", "))}") }
            var isDirectory: ObjCBool = false
            if fm.fileExists(atPath: dev + "/p2pmem", isDirectory: &isDirectory), isDirectory.boolValue {
                let windows = p2pWindows(bdf: bdf, device: dev)
                if !windows.isEmpty { providers.append("    \(Self.jsonString(bdf)): [\(windows.joined(separator: ", "))]") }
            }
        }
        var release = Self.firstLine(procfs + "/sys/kernel/osrelease") ?? ""
        if release.isEmpty { release = Self.unameRelease() }
        let pageSize = sysconf(Int32(_SC_PAGESIZE))
        var text = "{\n"
        text += "  \"kernel\": {\"release\": \(Self.jsonString(release)), \"page_size\": \(pageSize > 0 ? pageSize : 4096)},\n"
        text += "  \"devices\": {\n" + Self.joinedLines(devices) + "  }"
        if !providers.isEmpty { text += ",\n  \"p2p_providers\": {\n" + Self.joinedLines(providers) + "  }" }
        if let pool = swiotlbPool() { text += ",\n  " + pool }
        return text + "\n}\n"
    }

    /// Writes ``json()`` to `path`.
    public func write(to path: String) throws {
        try Data(json().utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    // MARK: - Pieces

    /// Smallest `queue/max_segment_size` of the block devices below each PCI device.
    private func smallestSegmentSizes() -> [String: UInt64] {
        var sizes: [String: UInt64] = [:]
        let blockDir = sysfs + "/block"
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: blockDir)) ?? []).sorted() {
            let block = blockDir + "/" + name
            guard let text = Self.firstLine(block + "/queue/max_segment_size"),
                  let value = UInt64(text), text.allSatisfy(\.isASCIIDigit) else { continue }
            guard let bdf = Self.pciDevice(of: block + "/device") else { continue }
            sizes[bdf] = min(sizes[bdf] ?? .max, value)
        }
        return sizes
    }

    /// Memory windows of a P2PDMA provider, as JSON objects.
    private func p2pWindows(bdf: String, device: String) -> [String] {
        var windows: [String] = []
        if let iomem = try? String(contentsOfFile: procfs + "/iomem", encoding: .utf8) {
            for raw in iomem.split(separator: "\n") {
                let line = raw.drop(while: { $0 == " " })
                guard let sep = line.range(of: " : ") else { continue }
                guard line[sep.upperBound...] == bdf[...] else { continue }
                let range = line[..<sep.lowerBound]
                guard let dash = range.firstIndex(of: "-") else { continue }
                let start = range[..<dash], end = range[range.index(after: dash)...]
                guard let s = UInt64(start, radix: 16), let e = UInt64(end, radix: 16), e > s else { continue }
                windows.append("{\"phys\": \"0x\(start)\", \"size\": \"0x\(String(e - s + 1, radix: 16))\", \"bus_offset\": \"0x0\"}")
            }
        }
        if windows.isEmpty, let resource = try? String(contentsOfFile: device + "/resource", encoding: .utf8) {
            for raw in resource.split(separator: "\n") {
                let parts = raw.split(separator: " ", omittingEmptySubsequences: true)
                guard parts.count >= 3, let s = Self.hex(parts[0]), let e = Self.hex(parts[1]), let flags = Self.hex(parts[2]),
                      flags & 0x200 != 0, e > s else { continue }
                windows.append("{\"phys\": \"0x\(String(s, radix: 16))\", \"size\": \"0x\(String(e - s + 1, radix: 16))\", \"bus_offset\": \"0x0\"}")
            }
        }
        return windows
    }

    /// `"swiotlb_pool": {…}` from the kernel log's `software IO TLB: mapped [mem 0xS-0xE]`.
    private func swiotlbPool() -> String? {
        let log = kernelLog ?? Self.dmesg()
        guard let at = log.range(of: "software IO TLB: mapped [mem 0x") else { return nil }
        let rest = log[at.upperBound...]
        let startText = rest.prefix(while: \.isHexDigit)
        let afterStart = rest.dropFirst(startText.count)
        guard afterStart.hasPrefix("-0x") else { return nil }
        let endText = afterStart.dropFirst(3).prefix(while: \.isHexDigit)
        guard afterStart.dropFirst(3 + endText.count).hasPrefix("]"),
              let start = UInt64(startText, radix: 16), let end = UInt64(endText, radix: 16) else { return nil }
        // Most kernels print an exclusive end ([start-end) of the pool).
        return "\"swiotlb_pool\": {\"start\": \"0x\(String(start, radix: 16))\", \"size\": \"0x\(String(end &- start, radix: 16))\"}"
    }

    /// The PCI device (BDF) a sysfs path sits under: the last BDF component of its real path.
    private static func pciDevice(of path: String) -> String? {
        guard let real = realpath(path, nil) else { return nil }
        defer { free(real) }
        return String(cString: real).split(separator: "/").last(where: { isBDF($0) }).map(String.init)
    }

    /// `dddd:bb:dd.f` in hex digits, function 0–7.
    static func isBDF(_ s: Substring) -> Bool {
        let c = Array(s.utf8)
        guard c.count == 12, c[4] == 0x3A, c[7] == 0x3A, c[10] == 0x2E, (0x30...0x37).contains(c[11]) else { return false }
        return [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy { Character(UnicodeScalar(c[$0])).isHexDigit }
    }

    private static func firstLine(_ path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return String(text.prefix(while: { $0 != "\n" }).filter { !$0.isWhitespace })
    }

    private static func decimal(_ s: String) -> Int? { s.allSatisfy(\.isASCIIDigit) ? Int(s) : nil }

    private static func hex(_ s: Substring) -> UInt64? {
        UInt64(s.hasPrefix("0x") || s.hasPrefix("0X") ? s.dropFirst(2) : s, radix: 16)
    }

    /// Lines joined with `,` after all but the last, each ending with a newline.
    private static func joinedLines(_ lines: [String]) -> String {
        lines.enumerated().map { $0.element + ($0.offset < lines.count - 1 ? "," : "") + "\n" }.joined()
    }

    private static func jsonString(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    private static func unameRelease() -> String {
        var name = utsname()
        guard uname(&name) == 0 else { return "" }
        return withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
    }

    private static func dmesg() -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["dmesg"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

private extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
