import SGIngest

/// What each task stream has pending between a DMA-API call and the `iommu:*` /
/// `swiotlb:*` events around it.
///
/// A stream is a CPU, a pid and an execution context (``CPUTask``): the kernel emits a
/// call's `iommu:map` runs and `swiotlb_bounced` events on the same CPU just before its
/// `dma_map_*`, and the `iommu:unmap` of a `dma_unmap_*` just after it (before it for
/// `dma_unmap_phys`); an interrupt on that CPU prints the interrupted task's pid, so its
/// events are another stream. An event takes its stream's state out and puts it back: one
/// hash lookup per event (five dictionaries keyed by task cost one each), and a table whose
/// size follows the streams in flight, not every task a trace ever saw.
struct TaskStreamTracker {
    /// The last dma-level unmap of a stream (to attribute the `iommu:unmap` that follows it).
    struct LastUnmap {
        var device: String
        var reportedDouble: Bool
        var sequence: Int
    }

    /// One stream's pending state.
    struct Pending {
        /// `iommu:map` runs since the stream's last DMA call (a map's IOVA layout).
        var runs: [IOMMUMapEvent] = []
        /// Original addresses `swiotlb_bounced` showed since the last DMA call.
        var bounced: Set<UInt64> = []
        /// The last `dma_unmap_sg` / `dma_unmap_page`, until an `iommu:unmap` or a map follows.
        var lastUnmap: LastUnmap?
        /// Retired id of a `dma_unmap_sg` that could not tell identical live lists apart.
        var ambiguousUnmap: Int?
        /// An `iommu:unmap` that came before its `dma_unmap_phys`.
        var iommuUnmap: (event: IOMMUUnmapEvent, at: EventReference)?

        var isEmpty: Bool {
            runs.isEmpty && bounced.isEmpty && lastUnmap == nil && ambiguousUnmap == nil && iommuUnmap == nil
        }
    }

    /// Stream → slot. A stream keeps its slot while it has events (one hash lookup per
    /// event, none to insert again); streams whose slots emptied are dropped from the
    /// table when they outnumber the busy ones, so its size follows the streams in flight.
    private var index: [CPUTask: Int32] = [:]
    private var slots: [(task: CPUTask, pending: Pending)] = []
    private var freeSlots: [Int32] = []
    /// Slots with something pending.
    private(set) var count = 0
    /// Streams the table holds (busy and idle ones not yet dropped).
    var tableSize: Int { index.count }

    /// A stream's state taken out for one event: give it back with ``put(_:)``.
    struct Taken {
        fileprivate var task: CPUTask
        fileprivate var slot: Int32
        var pending: Pending
    }

    /// Takes `task`'s pending state out for an event to work on (empty when none).
    mutating func take(_ task: CPUTask) -> Taken {
        guard let slot = index[task] else { return Taken(task: task, slot: -1, pending: Pending()) }
        var taken = Taken(task: task, slot: slot, pending: Pending())
        swap(&taken.pending, &slots[Int(slot)].pending)
        if !taken.pending.isEmpty { count -= 1 }
        return taken
    }

    /// Gives a stream's state back after its event.
    mutating func put(_ taken: consuming Taken) {
        guard !taken.pending.isEmpty else { return }
        count += 1
        if taken.slot >= 0 {
            swap(&taken.pending, &slots[Int(taken.slot)].pending)
            return
        }
        if index.count >= 2 * count + 1024 { dropIdleStreams() }
        let slot: Int32
        if let reused = freeSlots.popLast() {
            slot = reused
            slots[Int(slot)] = (taken.task, taken.pending)
        } else {
            slot = Int32(slots.count)
            slots.append((taken.task, taken.pending))
        }
        index[taken.task] = slot
    }

    /// Forgets the streams with nothing pending (their slots are reused).
    private mutating func dropIdleStreams() {
        for (task, slot) in index where slots[Int(slot)].pending.isEmpty {
            index[task] = nil
            freeSlots.append(slot)
        }
    }

    /// The `iommu:unmap`s no `dma_unmap_phys` followed, in trace order; forgets them.
    mutating func drainUnmatchedIOMMUUnmaps() -> [(event: IOMMUUnmapEvent, at: EventReference)] {
        var drained: [(event: IOMMUUnmapEvent, at: EventReference)] = []
        for i in slots.indices {
            guard let u = slots[i].pending.iommuUnmap else { continue }
            drained.append(u)
            slots[i].pending.iommuUnmap = nil
            if slots[i].pending.isEmpty { count -= 1 }
        }
        return drained.sorted { $0.at.sequence < $1.at.sequence }
    }
}
