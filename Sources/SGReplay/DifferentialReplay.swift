import SGModel

/// Differential replay: the reconstructed real input of a mapping goes through
/// a candidate model beside the reference, and every slot where the candidate
/// would produce something else becomes a finding of the most specific kind,
/// with `source = candidate:<id>`.
struct DifferentialReplay {
    let candidate: any SGMapperModel
    let reference: (any SGMapperModel)?
    let release: KernelRelease

    func compare(_ o: MapObservation) -> [Finding] {
        guard let rec = o.reconstruction, !rec.inputs.isEmpty else { return [] }
        let context = o.modelContext
        let confidence: Confidence = rec.exact && !o.event.truncated ? .definite : .possible
        let source = "candidate:\(candidate.id)"
        let refOutcome = reference?.mapSG(rec.inputs, device: o.device, release: release, context: context)
        let candOutcome = candidate.mapSG(rec.inputs, device: o.device, release: release, context: context)
        let refSegments: [DMASegment]
        switch refOutcome {
        case .mapped(let r)?: refSegments = r.segments
        case .failed?: return []
        case nil: refSegments = o.outputs
        }
        guard case .mapped(let cand) = candOutcome else {
            if case .failed(let why) = candOutcome {
                return [tag(o.finding(.modelMismatch, .error, confidence, detail: "candidate \(candidate.id) fails this list (\(why)) where the reference maps it", expected: "\(refSegments.count) segments", observed: "failure", expectedSegments: refSegments), source)]
            }
            return []
        }
        let c = cand.segments
        var byKind: [FindingKind: [Int]] = [:]
        var details: [FindingKind: [String]] = [:]
        let offsets = Set(rec.inputs.map { $0.phys & (o.pageSize - 1) }.filter { $0 != 0 })
        for j in 0..<max(c.count, refSegments.count) {
            guard j < c.count, j < refSegments.count else { continue }
            let r = refSegments[j]
            var s = c[j]
            if s.isBusAddress, r.isBusAddress, s.length == r.length | 0x8000_0000 {
                s.length = r.length  // the candidate's own flag representation, not a difference
            }
            guard r != s else { continue }
            let kind: FindingKind
            let d = s.address &- r.address
            if FlagBitCollisionCheck.collides(reference: r, candidate: s) {
                kind = .flagBitCollision
                details[kind, default: []].append("slot \(j): length \(hex(UInt64(r.length))) has bit 31 set, which \(candidate.id) reads as its P2P flag (the unmap would skip the IOMMU and leak it)")
            } else if s.length == 0 && r.length != 0 {
                kind = .zeroLength
                details[kind, default: []].append("slot \(j): length 0 instead of \(hex(UInt64(r.length)))")
            } else if d != 0, offsets.contains(d) {
                kind = .doubleOffset
                details[kind, default: []].append("slot \(j): \(hex(s.address)) = \(hex(r.address)) + offset \(hex(d))")
            } else if SegmentBoundaryCheck.crosses(s.address, s.length, mask: o.device.segmentBoundaryMask) && !SegmentBoundaryCheck.crosses(r.address, r.length, mask: o.device.segmentBoundaryMask) {
                kind = .segmentBoundary
                details[kind, default: []].append("slot \(j): \(hex(s.address))+\(hex(UInt64(s.length))) crosses the boundary mask \(hex(o.device.segmentBoundaryMask))")
            } else if s.length > o.device.maxSegmentSize && r.length <= o.device.maxSegmentSize {
                kind = .maxSegmentSize
                details[kind, default: []].append("slot \(j): length \(hex(UInt64(s.length))) > max_seg \(hex(UInt64(o.device.maxSegmentSize)))")
            } else if s.address & (o.granule - 1) != r.address & (o.granule - 1) && s.length == r.length {
                kind = .offsetNotPreserved
                details[kind, default: []].append("slot \(j): low bits \(hex(s.address & (o.granule - 1))) instead of \(hex(r.address & (o.granule - 1)))")
            } else {
                kind = .modelMismatch
                details[kind, default: []].append("slot \(j): \(hex(s.address))+\(hex(UInt64(s.length)))\(s.isBusAddress ? " bus" : "") instead of \(hex(r.address))+\(hex(UInt64(r.length)))\(r.isBusAddress ? " bus" : "")")
            }
            byKind[kind, default: []].append(j)
        }
        if byKind.isEmpty && c.count != refSegments.count {
            byKind[.modelMismatch] = []
            details[.modelMismatch] = ["\(c.count) segments instead of \(refSegments.count)"]
        }
        let expectedText = hexList(refSegments.map(\.address)) + " sizes=" + hexList(refSegments.map(\.length))
        let candText = hexList(c.map(\.address)) + " sizes=" + hexList(c.map(\.length))
        return byKind.keys.sorted { $0.rawValue < $1.rawValue }.map { kind in
            var f = o.finding(kind, .error, confidence, detail: "candidate \(candidate.id) differs from the reference: " + (details[kind] ?? []).joined(separator: "; "), expected: expectedText, observed: candText, offending: byKind[kind] ?? [], expectedSegments: refSegments)
            f.evidence.observed = c
            return tag(f, source)
        }
    }

    private func tag(_ f: Finding, _ source: String) -> Finding {
        var f = f
        f.source = source
        return f
    }
}
