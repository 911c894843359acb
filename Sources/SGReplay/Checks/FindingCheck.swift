import SGIngest
import SGModel

/// One check: a finding kind of CONTRACTS.md with its severity, a paragraph
/// a kernel developer can check against the kernel sources, and example trace
/// snippets (real 6.18 ftrace framing) that must and must not trigger it.
///
/// The examples are executable documentation: a test feeds each one through
/// the whole ``Analyzer`` pipeline.
public protocol FindingCheck: Sendable {
    /// The stable identifier (`double-offset`).
    static var kind: FindingKind { get }
    /// Severity of a definite finding of this kind (some findings are downgraded).
    static var severity: Severity { get }
    /// Why this is a bug, in kernel terms.
    static var explanation: String { get }
    /// Snippets that must yield a finding of exactly this kind.
    static var triggeringExamples: [CheckExample] { get }
    /// Snippets that must yield no finding of this kind.
    static var nonTriggeringExamples: [CheckExample] { get }
}

/// A trace snippet with the topology and candidate it needs.
public struct CheckExample: Sendable {
    /// Trace text (complete lines, ftrace `trace` framing).
    public var trace: String
    public var topology: Topology
    /// Candidate model id for differential examples.
    public var candidate: String?
    /// What the example shows.
    public var note: String

    public init(_ note: String, topology: Topology = Topology(), candidate: String? = nil, trace: String) {
        self.note = note
        self.trace = trace
        self.topology = topology
        self.candidate = candidate
    }
}

/// Every check, in the order the contract lists the kinds.
public enum CheckCatalog {
    public static let all: [any FindingCheck.Type] = [
        DoubleOffsetCheck.self, ZeroLengthCheck.self, OverlapInListCheck.self, OverlapLiveCheck.self,
        OverlapP2PIOVACheck.self, SegmentBoundaryCheck.self, MaxSegmentSizeCheck.self, DMAMaskCheck.self,
        OffsetNotPreservedCheck.self, ModelMismatchCheck.self, UnmapNentsMismatchCheck.self,
        UnmapDirMismatchCheck.self, UnmapUnknownCheck.self, UnmapSizeMismatchCheck.self, DoubleUnmapCheck.self,
        LeakCheck.self, SyncUnmappedCheck.self, SyncDirMismatchCheck.self, SyncNentsMismatchCheck.self,
        P2PUnreachableMappedCheck.self, FlagBitCollisionCheck.self, FaultAfterUnmapCheck.self, MapErrorCheck.self,
    ]

    /// The check declaring `kind`.
    public static func check(for kind: FindingKind) -> (any FindingCheck.Type)? {
        all.first { $0.kind == kind }
    }
}

/// Shared topology fragments for the examples.
enum ExampleTopology {
    /// A 6.18 kernel with one dma-iommu NVMe-like device (group 3) and one dma-direct device.
    static var iommuAndDirect: Topology {
        var nvme = DeviceOverrides()
        nvme.iommu = .dma
        nvme.iommuGroup = 3
        nvme.iovaGranule = 4096
        nvme.maxSegmentSize = 0x10000
        nvme.segmentBoundaryMask = 0xffff_ffff
        nvme.dmaMaskBits = 64
        var direct = DeviceOverrides()
        direct.iommu = IOMMUMode.none
        direct.maxSegmentSize = 0x10000
        direct.segmentBoundaryMask = 0xffff_ffff
        direct.dmaMaskBits = 64
        return Topology(kernelRelease: KernelRelease(6, 18, 0), pageSize: 4096, devices: ["0000:01:00.0": nvme, "0000:04:00.0": direct])
    }

    /// `iommuAndDirect` plus a P2PDMA provider `0000:02:00.0` with a BAR at
    /// 0xf000000000 (bus offset 0) reachable by bus address from both clients.
    static var p2p: Topology {
        var t = iommuAndDirect
        t.devices["0000:01:00.0"]?.p2p = ["0000:02:00.0": .busAddress]
        t.devices["0000:04:00.0"]?.p2p = ["0000:02:00.0": .busAddress]
        t.p2pWindows = [P2PWindow(provider: "0000:02:00.0", phys: 0xf0_0000_0000, size: 0x1000_0000, busOffset: 0)]
        return t
    }
}
