import SGIngest
import SGModel
import SGSymbols

/// The replay state machine behind ``Analyzer``: consumes records in trace
/// order, keeps the live state (trackers, pending `iommu:map` runs, holes)
/// and collects findings and mapping rows.
struct AnalyzerReplay {
    let files: [String]
    let topology: Topology
    let release: KernelRelease
    let reference: (any SGMapperModel)?
    let candidate: (any SGMapperModel)?
    let symbolizer: (any AddressSymbolizer)?
    var reconstructor: ListReconstructor
    /// `--limits`: which limits judge devices whose topology entry does not say.
    let limitsDefault: LimitsPolicy

    var inference: DeviceInference
    var tracker: MappingTracker
    var hazards = HazardTracker()
    /// Per task stream: iommu:map runs, bounces and unmaps waiting for their DMA call.
    var streams = TaskStreamTracker()
    /// Sequence of the group add / domain attach per device (the trace covers its history from there).
    var coverage: [String: Int] = [:]
    var translatedDevices: Set<String> = []
    var limitDrift = LimitDriftDetector()
    var seenDevices: Set<String> = []
    var findings: [Finding] = []
    /// The rows of mappings.csv: all kept, or streamed to ``AnalyzerOptions/mappingRows``.
    var rows: MappingRowStore
    /// Findings made under a guessed mapper (index into `findings`), to withdraw
    /// when later evidence shows another mapper made the device's outputs.
    var guessedFindings: [(index: Int, device: String, mapper: MapperClass)] = []
    var modelReplay = ModelReplayCounts()
    /// Devices seen bouncing memory they can reach (forced bouncing, not stated by the topology).
    var forcedBounceDevices: Set<String> = []
    var suppressed = 0
    var downgraded = 0
    /// Mappings live when a signal stopped the input (not reported as leaks).
    var liveAtInterruption = 0
    /// Called with each `error` finding as soon as it is made (live mode).
    let onError: (@Sendable (Finding) -> Void)?
    var sequence = 0
    var lastTime: Double = 0

    init(files: [String], options: AnalyzerOptions, release: KernelRelease, reference: (any SGMapperModel)?, candidate: (any SGMapperModel)?) {
        self.files = files
        self.topology = options.topology
        self.release = release
        self.reference = reference
        self.candidate = candidate
        self.symbolizer = options.symbolizer
        self.limitsDefault = options.limits
        self.onError = options.onError
        var recon = ListReconstructor(topology: options.topology)
        recon.release = release
        self.reconstructor = recon
        self.inference = DeviceInference(topology: options.topology)
        self.tracker = MappingTracker(retiredCapacity: options.retiredCapacity)
        self.rows = MappingRowStore(sink: options.mappingRows)
    }

    // MARK: - Records

    mutating func consume(_ record: TraceRecord) {
        sequence += 1
        switch record.kind {
        case .lost(let cpu, _):
            hazards.recordHole(at: sequence, cpu: cpu)
        case .bufferStarted(let cpu):
            hazards.recordHole(at: sequence, cpu: cpu)
        case .event(let event):
            inference.observe(event)
            let ref = reference(for: record, event)
            lastTime = ref.time
            if let d = event.payload.device { seenDevices.insert(d) }
            let before = findings.count
            dispatch(event, ref)
            if let onError, findings.count > before {
                for f in findings[before...] where f.severity == .error { onError(f) }
            }
        }
    }

    private func reference(for record: TraceRecord, _ event: TraceEvent) -> EventReference {
        let c = event.context
        let time = c.isCounterClock ? Double(c.timestamp) : Double(c.timestamp) / 1e9
        let site = event.stack.isEmpty ? ("", "", "") : CallSite.locate(event.stack, symbolizer: symbolizer)
        let file = record.fileIndex < files.count ? files[record.fileIndex] : "-"
        return EventReference(fileIndex: record.fileIndex, file: file, line: record.line, time: time, cpu: c.cpu, pid: c.pid, sequence: sequence, event: Self.name(of: event.payload), symbol: site.0, source: site.1, callChain: site.2)
    }

    private mutating func dispatch(_ event: TraceEvent, _ ref: EventReference) {
        let task = CPUTask(cpu: ref.cpu, pid: ref.pid, execution: event.context.execution)
        switch event.payload {
        case .syncSingle, .syncSG, .iommuFault, .iommuAttach, .iommuGroup:
            // Nothing of the task stream: no lookup.
            var none = TaskStreamTracker.Pending()
            dispatch(event, ref, task: &none)
            return
        default:
            break
        }
        var taken = streams.take(task)
        dispatch(event, ref, task: &taken.pending)
        streams.put(taken)
    }

    private mutating func dispatch(_ event: TraceEvent, _ ref: EventReference, task: inout TaskStreamTracker.Pending) {
        switch event.payload {
        case .iommuMap(let e):
            task.runs.append(e)
        case .swiotlbBounced(let e):
            task.bounced.insert(e.originalAddress)
        case .mapSG(let e):
            mapSG(e, ref, task: &task)
        case .mapSGError(let e):
            task.runs = []
            findings.append(MapErrorCheck.inspect(e, at: ref))
        case .mapSingle(let e):
            mapSingle(e, ref, task: &task)
        case .unmapSG(let e):
            unmapSG(e, ref, task: &task)
        case .unmapSingle(let e):
            unmapSingle(e, ref, task: &task)
        case .syncSingle(let e):
            sync(device: e.device, direction: e.direction, range: ClosedOpenRange(start: e.dmaAddress, end: e.dmaAddress &+ max(e.size, 1)), sg: nil, ref)
        case .syncSG(let e):
            let slots = zip(e.dmaAddresses, e.dmaLengths).filter { $0.0 != dmaMappingError && $0.1 != 0 }
            guard let first = slots.first else { return }
            sync(device: e.device, direction: e.direction, range: ClosedOpenRange(start: first.0, end: first.0 &+ UInt64(first.1)), sg: e, ref)
        case .alloc(let e):
            alloc(e, ref, task: &task)
        case .iommuUnmap(let e):
            if !task.runs.isEmpty, e.rollsBack(task.runs) { task.runs = [] }
            iommuUnmap(e, ref, task: &task)
        case .iommuFault(let e):
            fault(e, ref)
        case .iommuAttach(let device, let attach):
            if attach { coverage[device] = ref.sequence }
        case .iommuGroup(_, let device, let add):
            if add { coverage[device] = ref.sequence }
        }
    }

    // MARK: - Devices

    /// The device as known now, which parameters the topology gave, and its domain key.
    func device(_ name: String, freshNotes: Bool = false) -> (DeviceProperties, KnownParameters, String, DeviceRecord) {
        var record = freshNotes ? inference.freshRecord(for: name) : inference.record(for: name)
        let overrides = topology.devices[name]
        var props = record.properties
        if let page = topology.pageSize { props.pageSize = page }
        overrides?.apply(to: &props)
        props.name = name
        record.properties = props
        if overrides != nil { record.source = .topology }
        let group = overrides?.iommuGroup ?? record.iommuGroup
        record.iommuGroup = group
        let domain = group.map { "group:\($0)" } ?? "device:\(name)"
        return (props, KnownParameters(overrides, topology: topology), domain, record)
    }

    /// Covered: the device's group add / attach is in the trace with no hole since.
    func covered(_ device: String) -> Bool {
        guard let start = coverage[device] else { return false }
        return !hazards.holeAfter(start)
    }

    // MARK: - Maps

    private mutating func mapSG(_ e: MapSGEvent, _ ref: EventReference, task: inout TaskStreamTracker.Pending) {
        let runs = task.runs, bounced = task.bounced
        task.runs = []
        task.bounced = []
        task.lastUnmap = nil
        let observation = observe(e, ref, runs: runs, bounced: bounced, single: false)
        resolveTwins(observation.0, domain: observation.1)
        var eventFindings = MapChecks.run(observation.0, tracker: tracker, hazards: hazards, domain: observation.1, single: false, downgraded: &downgraded)
        if let candidate {
            eventFindings += DifferentialReplay(candidate: candidate, reference: reference, release: release).compare(observation.0)
        }
        append(eventFindings, guessed: observation.0)
        track(observation.0, domain: observation.1, kind: .scatterGather, size: 0)
    }

    private mutating func mapSingle(_ e: MapSingleEvent, _ ref: EventReference, task: inout TaskStreamTracker.Pending) {
        let runs = task.runs, bounced = task.bounced
        task.runs = []
        task.bounced = []
        if let f = MapErrorCheck.inspect(e, at: ref) {
            findings.append(f)
            return
        }
        let length = UInt32(clamping: e.size)
        let asList = MapSGEvent(device: e.device, direction: e.direction, physAddresses: [e.physAddress], dmaAddresses: [e.dmaAddress], dmaLengths: [length], attributes: e.attributes)
        let observation = observe(asList, ref, runs: runs, bounced: bounced, single: true)
        resolveTwins(observation.0, domain: observation.1)
        append(MapChecks.run(observation.0, tracker: tracker, hazards: hazards, domain: observation.1, single: true, downgraded: &downgraded), guessed: observation.0)
        track(observation.0, domain: observation.1, kind: .single, size: e.size)
    }

    /// Adds a map's findings, remembering those that rest on a guessed mapper.
    private mutating func append(_ new: [Finding], guessed o: MapObservation) {
        if o.mapperAssumption != nil {
            let mapper = MapperClass(o.device, translated: o.translated)
            for (k, f) in new.enumerated() where MapChecks.dependsOnMapper(f.kind) {
                guessedFindings.append((findings.count + k, o.device.name, mapper))
            }
        }
        findings += new
    }

    /// Withdraws the findings made under a mapper guess that the whole trace refuted
    /// (the premise of an IOVA rule is gone once the outputs proved to be bounce slots).
    private mutating func withdrawRefutedGuesses() -> [String: (count: Int, mapper: MapperClass)] {
        var withdrawn: [String: (count: Int, mapper: MapperClass)] = [:]
        var drop = Set<Int>()
        for g in guessedFindings {
            let (props, known, _, _) = device(g.device)
            let now = MapperClass(props, translated: !known.iommu && translatedDevices.contains(g.device))
            guard now != g.mapper else { continue }
            drop.insert(g.index)
            withdrawn[g.device, default: (0, g.mapper)].count += 1
        }
        guard !drop.isEmpty else { return [:] }
        findings = findings.enumerated().filter { !drop.contains($0.offset) }.map(\.element)
        guessedFindings = []
        return withdrawn
    }

    /// Which limits judge `device`: its topology entry's `"limits"`, else the run's.
    func limitsPolicy(_ device: String) -> LimitsPolicy {
        topology.devices[device]?.limits ?? limitsDefault
    }

    private mutating func observe(_ e: MapSGEvent, _ ref: EventReference, runs: [IOMMUMapEvent], bounced: Set<UInt64>, single: Bool) -> (MapObservation, String) {
        var (props, known, domain, record) = device(e.device)
        let policy = limitsPolicy(e.device)
        if policy == .learned, let learned = limitDrift.limits(for: e.device) {
            props = learned.applied(to: props)
            known.maxSegmentSize = false
            known.segmentBoundary = false
            known.limitsLearned = true
        }
        if !runs.isEmpty { translatedDevices.insert(e.device) }
        let translated = props.iommu.isTranslated || (!known.iommu && translatedDevices.contains(e.device))
        if translated && !props.iommu.isTranslated { props.iommu = .dma }
        let assumption = known.iommu || translatedDevices.contains(e.device) ? nil : record.mapperAssumption
        // Computed once per map (it looks at every device's evidence).
        let pool = inference.swiotlbPool
        var reconstruction: Reconstruction
        if single {
            reconstruction = Reconstruction(inputs: [ScatterEntry(phys: e.physAddresses[0], length: e.dmaLengths[0], pageSize: props.pageSize)], exact: true)
        } else {
            // Bounce slots inside the pool (the topology's, else the one the trace showed) are trusted outputs.
            reconstructor.swiotlbPool = pool
            reconstruction = reconstructor.reconstruct(e, device: props, iommuRuns: runs)
        }
        var observation = MapObservation(reference: ref, event: e, device: props, known: known, translated: translated, iommuRuns: runs, bouncedPhys: bounced, windows: topology.p2pWindows, pool: pool, release: release, reconstruction: reconstruction, isSingle: single)
        observation.mapperAssumption = assumption
        let limitsGiven = topology.devices[e.device]?.maxSegmentSize != nil || topology.devices[e.device]?.segmentBoundaryMask != nil
        if topology.devices[e.device]?.swiotlb == nil, props.swiotlb != .force, !translated, observation.bouncesReachableMemory {
            // Only forced bouncing (swiotlb=force, a restricted pool, a confidential guest)
            // bounces memory the device can reach: the model must bounce every entry too.
            props.swiotlb = .force
            forcedBounceDevices.insert(e.device)
        }
        if !single, let reference, reconstruction.exact, !e.truncated, known.iommu {
            let context = observation.modelContext
            var expected = reference.mapSG(reconstruction.inputs, device: props, release: release, context: context)
            if limitsGiven, !LimitDriftDetector.reproduces(expected, e) {
                switch policy {
                case .learned:
                    if let limits = limitDrift.relearn(e, inputs: reconstruction.inputs, device: props, model: reference, release: release, context: context, line: ref.line) {
                        // Asked for: judge with the learned limits from now on, as inferred ones.
                        props = limits.applied(to: props)
                        known.maxSegmentSize = false
                        known.segmentBoundary = false
                        known.limitsLearned = true
                        expected = reference.mapSG(reconstruction.inputs, device: props, release: release, context: context)
                        observation = MapObservation(reference: ref, event: e, device: props, known: known, translated: translated, iommuRuns: runs, bouncedPhys: bounced, windows: topology.p2pWindows, pool: pool, release: release, reconstruction: reconstruction, isSingle: single)
                        observation.mapperAssumption = assumption
                    }
                case .given:
                    // The topology still judges every output; limits that reproduce the trace
                    // only explain the difference (in the findings' words, not as a model-mismatch).
                    var change: LearnedLimits?
                    if let last = limitDrift.limits(for: e.device) {
                        let alt = reference.mapSG(reconstruction.inputs, device: last.applied(to: props), release: release, context: context)
                        if LimitDriftDetector.reproduces(alt, e) { change = last; expected = alt }
                    }
                    if change == nil, let limits = limitDrift.relearn(e, inputs: reconstruction.inputs, device: props, model: reference, release: release, context: context, line: ref.line) {
                        change = limits
                        expected = reference.mapSG(reconstruction.inputs, device: limits.applied(to: props), release: release, context: context)
                    }
                    observation.limitChange = change
                }
            }
            modelReplay.count(expected, e, line: ref.line)
            if known.modelParameters { observation.expected = expected }
        }
        if !single {
            modelReplay.maps += 1
            if e.truncated { modelReplay.truncated += 1 } else if reconstruction.exact { modelReplay.exact += 1 }
        }
        return (observation, domain)
    }

    private mutating func track(_ o: MapObservation, domain: String, kind: TrackedMapping.Kind, size: UInt64) {
        let e = o.event
        let outputs = o.outputs
        let record = MappingRecord(mapFile: o.reference.file, mapLine: o.reference.line, device: e.device, direction: e.direction.description, nents: e.fullNents, ents: e.fullEnts, firstDMA: e.dmaAddresses.first ?? 0, totalLength: e.dmaLengths.reduce(UInt64(0)) { $0 + UInt64($1) }, timeMap: o.reference.time, exact: o.reconstruction?.exact ?? false, inputs: o.reconstruction?.inputs ?? [], outputs: outputs)
        let recordIndex = rows.add(record)
        var bus: [ClosedOpenRange] = [], bounce: [ClosedOpenRange] = []
        for j in 0..<o.outputCount where e.dmaLengths[j] > 0 {
            switch o.roles[j] {
            case .bus: bus.append(o.byteRange(j))
            case .bounce: bounce.append(o.byteRange(j))
            default: break
            }
        }
        let mapping = TrackedMapping(id: tracker.allocateID(), kind: kind, device: e.device, domain: domain, direction: e.direction, phys: e.physAddresses, nents: e.fullNents, ents: e.fullEnts, outputs: outputs, size: kind == .scatterGather ? record.totalLength : size, translated: o.translated, iovaSpan: o.iovaSpan, busRanges: bus, bounceRanges: bounce, truncated: e.truncated, map: o.reference, recordIndex: recordIndex)
        tracker.insert(mapping)
    }

    private mutating func alloc(_ e: AllocEvent, _ ref: EventReference, task: inout TaskStreamTracker.Pending) {
        task.runs = []
        switch e.kind {
        case .alloc, .allocPages, .allocSGT:
            guard e.dmaAddress != 0 else { return }
            let (props, known, domain, _) = device(e.device)
            let translated = props.iommu.isTranslated || (!known.iommu && translatedDevices.contains(e.device))
            let g = max(1, props.iovaGranule)
            let span = translated ? ClosedOpenRange(start: e.dmaAddress & ~(g - 1), end: alignUp(e.dmaAddress &+ e.size, g)) : nil
            let mapping = TrackedMapping(id: tracker.allocateID(), kind: .coherent, device: e.device, domain: domain, direction: e.direction ?? .bidirectional, phys: e.physAddresses.isEmpty ? [e.physAddress ?? 0] : e.physAddresses, nents: 1, ents: 1, outputs: [DMASegment(address: e.dmaAddress, length: UInt32(clamping: e.size))], size: e.size, translated: translated, iovaSpan: span, busRanges: [], bounceRanges: [], truncated: false, map: ref, recordIndex: -1)
            tracker.insert(mapping)
        case .free, .freePages, .freeSGT:
            if let m = tracker.matchSingle(device: e.device, address: e.dmaAddress, size: e.size, direction: e.direction ?? .bidirectional, coherent: true) {
                tracker.retire(m.id, at: ref)
            } else if let m = tracker.retiredSingle(device: e.device, address: e.dmaAddress, coherent: true) {
                let (f, down) = DoubleUnmapCheck.inspect(device: e.device, retired: m, at: ref, hazards: hazards)
                findings.append(f)
                if down { downgraded += 1 }
            } else {
                unknownUnmap(device: e.device, what: "\(e.kind.rawValue) of \(hex(e.dmaAddress)) size \(e.size)", ref: ref, invalid: false)
            }
        case .allocSGTError:
            return
        }
    }

    // MARK: - Unmaps

    private mutating func unmapSG(_ e: UnmapSGEvent, _ ref: EventReference, task: inout TaskStreamTracker.Pending) {
        task.runs = []
        let (match, ambiguous) = tracker.matchSG(device: e.device, phys: e.physAddresses, direction: e.direction)
        var reportedDouble = false
        switch match {
        case .exact(let id), .prefix(let id), .extended(let id):
            guard let m = tracker.live[id] else { break }
            if case .exact = match {} else {
                findings.append(UnmapNentsMismatchCheck.inspect(e, mapping: m, at: ref, ambiguous: ambiguous))
            }
            if let f = UnmapDirMismatchCheck.inspect(device: e.device, direction: e.direction, mapping: m, at: ref, ambiguous: ambiguous) { findings.append(f) }
            let twins = tracker.twins(of: id)
            retire(id, ref, settled: twins.isEmpty)
            if !twins.isEmpty {
                tracker.noteAmbiguousUnmap(retired: id, twins: twins)
                task.ambiguousUnmap = id
            }
        case .none:
            if let m = tracker.retiredSG(device: e.device, phys: e.physAddresses) {
                let (f, down) = DoubleUnmapCheck.inspect(device: e.device, retired: m, at: ref, hazards: hazards)
                findings.append(f)
                if down { downgraded += 1 }
                reportedDouble = true
            } else {
                let list = e.physAddresses.count > 4 ? hexList(e.physAddresses.prefix(4)) + "… (\(e.physAddresses.count) entries)" : hexList(e.physAddresses)
                // An uncapped dma_map_sg of more than ~150 entries exceeds a ring-buffer page and is
                // dropped without a marker (6.12–6.17): its unmap is never more than possible.
                unknownUnmap(device: e.device, what: "dma_unmap_sg of phys_addrs=\(list) \(e.direction)", ref: ref, invalid: false, mapMayBeDropped: e.physAddresses.count > 150)
            }
        }
        task.lastUnmap = TaskStreamTracker.LastUnmap(device: e.device, reportedDouble: reportedDouble, sequence: ref.sequence)
    }

    private mutating func unmapSingle(_ e: UnmapSingleEvent, _ ref: EventReference, task: inout TaskStreamTracker.Pending) {
        task.runs = []
        var reportedDouble = false
        if e.dmaAddress == dmaMappingError {
            unknownUnmap(device: e.device, what: "dma_unmap_\(e.api.rawValue) of DMA_MAPPING_ERROR", ref: ref, invalid: true)
        } else if let m = tracker.matchSingle(device: e.device, address: e.dmaAddress, size: e.size, direction: e.direction) {
            if let f = UnmapSizeMismatchCheck.inspect(e, mapping: m, at: ref) { findings.append(f) }
            if let f = UnmapDirMismatchCheck.inspect(device: e.device, direction: e.direction, mapping: m, at: ref, ambiguous: false) { findings.append(f) }
            retire(m.id, ref)
        } else if let m = tracker.retiredSingle(device: e.device, address: e.dmaAddress) {
            let (f, down) = DoubleUnmapCheck.inspect(device: e.device, retired: m, at: ref, hazards: hazards)
            findings.append(f)
            if down { downgraded += 1 }
            reportedDouble = true
        } else {
            unknownUnmap(device: e.device, what: "dma_unmap_\(e.api.rawValue) of \(hex(e.dmaAddress)) size \(e.size) \(e.direction)", ref: ref, invalid: false)
        }
        // dma_unmap_phys: the iommu:unmap came first on this task.
        if let (u, uref) = task.iommuUnmap {
            task.iommuUnmap = nil
            if !reportedDouble { findings.append(DoubleUnmapCheck.inspect(u, device: e.device, at: uref)) }
        }
    }

    /// `settled`: no identical live list could turn out to be the one this unmap freed.
    private mutating func retire(_ id: Int, _ ref: EventReference, settled: Bool = true) {
        guard let m = tracker.retire(id, at: ref) else { return }
        rows.setUnmap(m.recordIndex, line: ref.line, time: ref.time, settled: settled)
        guard let leak = LeakCheck.inspectZeroLengthHead(m) else { return }
        // One finding per defect: the zero-length first output already reported at the map is the
        // cause; the unmap that leaves the IOVA range behind completes its story.
        if let i = findings.lastIndex(where: { $0.kind == .zeroLength && $0.file == leak.file && $0.line == leak.line && $0.device == leak.device }) {
            findings[i].detail += "; the dma_unmap_sg at line \(ref.line) emitted no iommu:unmap, so the IOVA range and its page-table entries leak"
        } else {
            findings.append(leak)
        }
    }

    private mutating func unknownUnmap(device: String, what: String, ref: EventReference, invalid: Bool, mapMayBeDropped: Bool = false) {
        let isCovered = covered(device) && !mapMayBeDropped
        if !invalid && !isCovered && hazards.anyHole {
            suppressed += 1
            return
        }
        findings.append(UnmapUnknownCheck.inspect(device: device, what: what, at: ref, covered: isCovered, invalidAddress: invalid))
    }

    /// A later event shows an ambiguous unmap retired the wrong twin: swap them.
    private mutating func swapAmbiguousUnmap(retired id: Int, with twin: Int) -> Bool {
        guard let (nowLive, nowRetired) = tracker.swapAmbiguousUnmap(retired: id, with: twin) else { return false }
        for (m, unmap) in [(nowLive, nil), (nowRetired, nowRetired.unmap)] {
            rows.setUnmap(m.recordIndex, line: unmap?.line, time: unmap?.time, settled: false)
        }
        return true
    }

    /// A new IOVA span over a live mapping whose twin's unmap was ambiguous,
    /// clear of the twin's span: the allocator reused the live one's IOVA, so
    /// that unmap was the live one's.
    private mutating func resolveTwins(_ o: MapObservation, domain: String) {
        guard let span = o.iovaSpan else { return }
        for m in tracker.liveIOVA(domain: domain, start: span.start, end: span.end) {
            guard let r = tracker.retiredTwin(ofLive: m.id), let rs = r.iovaSpan, rs.end <= span.start || span.end <= rs.start else { continue }
            _ = swapAmbiguousUnmap(retired: r.id, with: m.id)
        }
    }

    private mutating func iommuUnmap(_ e: IOMMUUnmapEvent, _ ref: EventReference, task: inout TaskStreamTracker.Pending) {
        // The IOVA dma_unmap_sg released names the twin it really unmapped.
        let ambiguous = task.ambiguousUnmap
        task.ambiguousUnmap = nil
        if let id = ambiguous, tracker.retiredMapping(id: id)?.iovaSpan?.start != e.iova,
           let twin = tracker.liveTwins(ofRetired: id).first(where: { $0.iovaSpan?.start == e.iova }) {
            _ = swapAmbiguousUnmap(retired: id, with: twin.id)
        }
        guard e.unmappedSize < e.size else { return }
        if let last = task.lastUnmap {
            task.lastUnmap = nil
            if !last.reportedDouble { findings.append(DoubleUnmapCheck.inspect(e, device: last.device, at: ref)) }
        } else {
            task.iommuUnmap = (e, ref)
        }
    }

    // MARK: - Syncs and faults

    private mutating func sync(device: String, direction: DMADirection, range: ClosedOpenRange, sg: SyncSGEvent?, _ ref: EventReference) {
        let live = tracker.liveContaining(device: device, start: range.start, end: range.end)
        if let m = live.first(where: { sg == nil || $0.kind == .scatterGather }) ?? live.first {
            if let f = SyncDirMismatchCheck.inspect(device: device, direction: direction, mapping: m, at: ref) { findings.append(f) }
            if let sg, m.kind == .scatterGather, let f = SyncNentsMismatchCheck.inspect(sg, mapping: m, at: ref) { findings.append(f) }
            return
        }
        if let r = tracker.retiredContaining(device: device, start: range.start, end: range.end), let twin = tracker.liveTwins(ofRetired: r.id).first,
           swapAmbiguousUnmap(retired: r.id, with: twin.id) {
            return  // the sync shows the ambiguous unmap was the twin's
        }
        let retired = tracker.retiredContaining(device: device, start: range.start, end: range.end)
        let mapMayBeDropped = (sg?.dmaAddresses.count ?? 0) > 150  // oversized map events vanish without a marker
        let (f, sup, down) = SyncUnmappedCheck.inspect(device: device, range: range, retired: retired, at: ref, hazards: hazards, covered: covered(device) && !mapMayBeDropped)
        if let f { findings.append(f) }
        if sup { suppressed += 1 }
        if down { downgraded += 1 }
    }

    private mutating func fault(_ e: IOMMUFaultEvent, _ ref: EventReference) {
        let (_, _, domain, _) = device(e.device)
        let live = tracker.liveIOVA(domain: domain, start: e.iova, end: e.iova &+ 1) + tracker.liveContaining(device: e.device, start: e.iova, end: e.iova &+ 1)
        let retired = live.isEmpty ? tracker.retiredIOVA(domain: domain, device: e.device, address: e.iova) : nil
        let (f, down) = FaultAfterUnmapCheck.inspect(e, live: live, retired: retired, at: ref, hazards: hazards)
        if let f { findings.append(f) }
        if down { downgraded += 1 }
    }

    // MARK: - End

    /// Leaks, pending anomalies, ids and the device list.
    /// `interrupted`: a signal stopped the input; mappings still live are not leaks yet and are
    /// only counted (``liveAtInterruption``).
    mutating func finish(interrupted: Bool = false) -> (findings: [Finding], mappings: [MappingRecord], devices: [DeviceRecord]) {
        let withdrawn = withdrawRefutedGuesses()
        for m in tracker.liveInMapOrder where m.kind != .coherent {
            if interrupted {
                liveAtInterruption += 1
            } else if let f = LeakCheck.inspect(m, endTime: lastTime, hazards: hazards) {
                findings.append(f)
            } else {
                suppressed += 1
            }
        }
        for (u, uref) in streams.drainUnmatchedIOMMUUnmaps() {
            findings.append(DoubleUnmapCheck.inspect(u, device: "", at: uref))
        }
        let order = Dictionary(files.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let rank = { (f: Finding) in order[f.file] ?? order.count }
        findings.sort { (rank($0), $0.line, $0.kind.rawValue, $0.source, $0.detail) < (rank($1), $1.line, $1.kind.rawValue, $1.source, $1.detail) }
        for i in findings.indices { findings[i].id = String(format: "F%06d", i + 1) }
        var names = seenDevices.union(topology.devices.keys)
        for r in inference.allRecords { names.insert(r.properties.name) }
        let devices = names.sorted().map { name -> DeviceRecord in
            var record = device(name, freshNotes: true).3
            if forcedBounceDevices.contains(name), !record.notes.contains(where: { $0.contains("(forced)") }) {
                record.notes.append("swiotlb: buffers the device can reach were bounced (swiotlb=force, a restricted pool or a confidential guest): replayed as forced bouncing")
            }
            if let w = withdrawn[name] {
                record.notes.append("\(w.count) finding(s) made while the outputs were taken for \(w.mapper.rawValue) were withdrawn: the rest of the trace showed another mapper")
            }
            if let learned = limitDrift.learned[name] {
                let judged = limitsPolicy(name) == .learned ? "the learned ones judged the maps from there (--limits learned)" : "every output was still judged against the topology's (the limits it states are the user's)"
                record.notes.append("segment limits changed at run time: last learned max_segment_size \(hex(UInt64(learned.maxSegmentSize))), segment_boundary_mask \(hex(learned.boundaryMask)) at line \(learned.line); the topology's values no longer held; \(judged)")
            }
            return record
        }
        return (findings, rows.finish(), devices)
    }

    static func name(of payload: EventPayload) -> String {
        switch payload {
        case .mapSG: return "dma_map_sg"
        case .mapSGError: return "dma_map_sg_err"
        case .unmapSG: return "dma_unmap_sg"
        case .mapSingle(let e): return "dma_map_\(e.api.rawValue)"
        case .unmapSingle(let e): return "dma_unmap_\(e.api.rawValue)"
        case .syncSingle(let e): return e.forDevice ? "dma_sync_single_for_device" : "dma_sync_single_for_cpu"
        case .syncSG(let e): return e.forDevice ? "dma_sync_sg_for_device" : "dma_sync_sg_for_cpu"
        case .alloc(let e): return e.kind.rawValue
        case .iommuMap: return "map"
        case .iommuUnmap: return "unmap"
        case .iommuFault: return "io_page_fault"
        case .iommuAttach(_, let attach): return attach ? "attach_device_to_domain" : "detach_device_from_domain"
        case .iommuGroup(_, _, let add): return add ? "add_device_to_group" : "remove_device_from_group"
        case .swiotlbBounced: return "swiotlb_bounced"
        }
    }
}
