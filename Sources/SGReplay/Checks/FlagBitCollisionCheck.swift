import SGModel

/// `flag-bit-collision`: a segment length collides with a flag bit of the candidate model in use.
public struct FlagBitCollisionCheck: FindingCheck {
    public static let kind = FindingKind.flagBitCollision
    public static let severity = Severity.error
    public static let explanation = """
    The merged kernel keeps the bus-address flag in its own field (sg->dma_flags, v6.2+), so the \
    reference model never collides. The 2020 P2PDMA RFC kept it in bit 31 of dma_length: any real output \
    of 2 GiB or more (devices with max_seg_size >= 2 GiB — GPUs, RDMA — mapping large contiguous or \
    merged buffers) reads back as a P2P bus address, its IOMMU unmap is skipped and the mapping leaks. \
    Differential replay runs each real list through the candidate and reports every output the candidate \
    would misread, naming the candidate and the bit.
    """
    public static let triggeringExamples: [CheckExample] = [
        CheckExample("2.3 GiB GPU segment under the dma_length bit-31 design", topology: FlagBitCollisionCheck.gpu, candidate: "p2p-dma-len-top-bit", trace: ExampleLine.trace([
            ExampleLine.at(110.0, cpu: 2, comm: "python3", pid: 7001, "dma_map_sg: 0000:65:00.0 dir=BIDIRECTIONAL nents=1/1 ents=1/1 dma_addrs={0x4000000000} sizes={0x96000000} phys_addrs={0x4000000000} attrs="),
            ExampleLine.at(110.5, cpu: 2, comm: "python3", pid: 7001, "dma_unmap_sg: 0000:65:00.0 dir=BIDIRECTIONAL phys_addrs={0x4000000000} attrs="),
        ])),
    ]
    public static let nonTriggeringExamples: [CheckExample] = [
        CheckExample("the same segment under the reference model", topology: FlagBitCollisionCheck.gpu, trace: ExampleLine.trace([
            ExampleLine.at(110.0, cpu: 2, comm: "python3", pid: 7001, "dma_map_sg: 0000:65:00.0 dir=BIDIRECTIONAL nents=1/1 ents=1/1 dma_addrs={0x4000000000} sizes={0x96000000} phys_addrs={0x4000000000} attrs="),
            ExampleLine.at(110.5, cpu: 2, comm: "python3", pid: 7001, "dma_unmap_sg: 0000:65:00.0 dir=BIDIRECTIONAL phys_addrs={0x4000000000} attrs="),
        ])),
    ]

    /// A dma-direct GPU with max_seg_size UINT_MAX and no boundary.
    static var gpu: Topology {
        var gpu = DeviceOverrides()
        gpu.iommu = IOMMUMode.none
        gpu.maxSegmentSize = .max
        gpu.segmentBoundaryMask = .max
        gpu.dmaMaskBits = 64
        return Topology(kernelRelease: KernelRelease(6, 18, 0), pageSize: 4096, devices: ["0000:65:00.0": gpu])
    }

    /// Reference output `ref` and candidate output `cand` of the same slot: the candidate reads a
    /// memory segment as a bus address because its length carries the flag bit.
    static func collides(reference ref: DMASegment, candidate cand: DMASegment) -> Bool {
        !ref.isBusAddress && cand.isBusAddress && ref.length & 0x8000_0000 != 0
    }
}
