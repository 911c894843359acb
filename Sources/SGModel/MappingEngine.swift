/// Validates, picks the kernel path (`__dma_map_sg_attrs`, §2.1) and runs it,
/// with a candidate's deviations applied. Shared by every model.
struct MappingEngine {
    var behaviour: KernelBehaviour
    var deviations: ModelDeviations

    func map(_ entries: [ScatterEntry], device: DeviceProperties, context: MapContext) -> MapOutcome {
        do {
            try device.validate()
        } catch {
            return .failed(.invalid(error.description))
        }
        if entries.isEmpty {
            return .failed(.invalid("device \(device.name): empty list (nents 0): the mapper returns 0"))
        }
        if let problem = ScatterListValidation.problem(in: entries, device: device) {
            return .failed(.invalid(problem))
        }
        let outcome: MapOutcome
        if device.iommu.isTranslated {
            if device.untrusted, device.swiotlb != .none {
                outcome = IOMMUSwiotlbMapper(device: device, behaviour: behaviour, context: context).map(entries)
            } else {
                outcome = IOMMUMapper(device: device, behaviour: behaviour, deviations: deviations, context: context).map(entries)
            }
        } else {
            outcome = DirectMapper(device: device, behaviour: behaviour, deviations: deviations, context: context).map(entries)
        }
        guard case .mapped(var result) = outcome, deviations.busFlagInLengthBit31 || deviations.busFlagInPageLink != nil else {
            return outcome
        }
        applyFlagRepresentation(&result, entries: entries)
        return .mapped(result)
    }

    /// How a candidate's bus-address flag reads back from the output slots.
    private func applyFlagRepresentation(_ result: inout MapResult, entries: [ScatterEntry]) {
        for j in result.segments.indices {
            if deviations.busFlagInLengthBit31 {
                if result.segments[j].isBusAddress {
                    result.segments[j].length |= 0x8000_0000
                } else if result.segments[j].length & 0x8000_0000 != 0 {
                    result.segments[j].isBusAddress = true
                }
            }
            if let layout = deviations.busFlagInPageLink, layout.collides(entries[j].pagePhys) {
                result.segments[j].isBusAddress = true
            }
        }
    }
}
