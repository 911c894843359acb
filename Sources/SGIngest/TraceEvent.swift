/// One decoded record of a trace: an event, a lost-events marker, or a
/// buffer-started marker, with where it came from.
///
/// Records are produced in file order by ``TraceReader``; replay sorts nothing
/// and trusts file order within one file (ftrace merges CPUs by timestamp).
public struct TraceRecord: Sendable, Equatable {
    /// Index of the input file in the run (0-based, see ``InputAccounting/files``).
    public var fileIndex: Int
    /// 1-based line number within that file.
    public var line: Int
    /// What the line holds.
    public var kind: Kind

    public init(fileIndex: Int, line: Int, kind: Kind) {
        self.fileIndex = fileIndex
        self.line = line
        self.kind = kind
    }

    /// The kinds of record the reader yields.
    public enum Kind: Sendable, Equatable {
        /// A decoded DMA / IOMMU / swiotlb event.
        case event(TraceEvent)
        /// `CPU:N [LOST M EVENTS]` (count nil when unknown), trace-cmd
        /// `[EVENTS DROPPED]` or perf LOST: the CPU's history has a hole here.
        case lost(cpu: Int?, count: UInt64?)
        /// `##### CPU N buffer started ####`: everything earlier on that CPU is gone.
        case bufferStarted(cpu: Int)
    }
}

/// Where an event happened: task, CPU and time.
/// The context an event ran in, from the third character of ftrace's
/// irq-info flags (`d.h1.`: `h`/`H` hardirq, `s` softirq, `z`/`Z` NMI).
///
/// An interrupt runs on the CPU of the task it interrupted and prints that
/// task's comm and pid: a completion's `dma_unmap_sg` in hardirq context can
/// land between a process-context `dma_map_sg`'s `iommu:map` lines and the
/// map event itself. Only task and context together tell them apart.
public enum ExecutionContext: UInt8, Sendable, Hashable {
    case task, softirq, hardirq, nmi

    /// The context the irq-info flags `flags` (e.g. `d.h1.`) denote; `.task` for anything else.
    static func of(flags: ByteSpan) -> ExecutionContext {
        guard flags.count >= 4, flags.count <= 5 else { return .task }
        for k in 0..<flags.count {
            // irqs-off, need-resched, hard/softirq, preempt depth (hex), migrate-disable
            switch flags[k] {
            case 0x2E, 0x30...0x39, 0x61...0x66, 0x44, 0x58, 0x4E, 0x6E, 0x70, 0x42, 0x5A, 0x7A, 0x48, 0x68, 0x73: continue
            default: return .task
            }
        }
        switch flags[2] {
        case 0x68, 0x48: return .hardirq // h H
        case 0x73: return .softirq // s
        case 0x7A, 0x5A: return .nmi // z Z
        default: return .task
        }
    }
}

public struct EventContext: Sendable, Equatable {
    /// Task name (`comm`), `<...>` when unknown, `<idle>` for pid 0.
    public var comm: String
    public var pid: Int32
    public var tgid: Int32?
    public var cpu: Int32
    /// Timestamp in the trace's unit: nanoseconds for `secs.usecs` clocks
    /// (microsecond precision, or nanoseconds with `--ns`/`-t`), or the raw
    /// counter value for counter clocks; see ``isCounterClock``.
    public var timestamp: UInt64
    /// True when the timestamp is a raw counter (x86-tsc, counter, uptime).
    public var isCounterClock: Bool
    /// trace-cmd report's `<file or instance>: ` line prefix (several inputs or
    /// buffer instances in one report); nil when absent.
    public var instance: String?
    /// What the CPU was running: the task, or an interrupt taken in its context
    /// (the irq-info flags column); `.task` when the framing has no flags.
    public var execution: ExecutionContext

    public init(comm: String, pid: Int32, tgid: Int32? = nil, cpu: Int32, timestamp: UInt64, isCounterClock: Bool = false,
                instance: String? = nil, execution: ExecutionContext = .task) {
        self.comm = comm
        self.pid = pid
        self.tgid = tgid
        self.cpu = cpu
        self.timestamp = timestamp
        self.isCounterClock = isCounterClock
        self.instance = instance
        self.execution = execution
    }

    /// Timestamp in seconds when the clock is a nanosecond clock.
    public var seconds: Double { Double(timestamp) / 1e9 }
}

/// One stack frame below an event (`<stack trace>` block in ftrace, callchain in perf).
public struct StackFrame: Sendable, Equatable {
    /// Kernel address when printed (`<ffffffff…>`, perf's first column, or a bare `0x…`).
    public var address: UInt64?
    /// Symbol as printed (`__schedule`), without the offset; nil when `[unknown]`.
    public var symbol: String?
    /// Offset within the symbol (`+0x41`), when printed.
    public var offset: UInt64?
    /// Module or DSO (`nvme`, `kernel.kallsyms`), when printed.
    public var module: String?

    public init(address: UInt64? = nil, symbol: String? = nil, offset: UInt64? = nil, module: String? = nil) {
        self.address = address
        self.symbol = symbol
        self.offset = offset
        self.module = module
    }
}

/// A decoded event with its context and (optional) stack.
public struct TraceEvent: Sendable, Equatable {
    public var context: EventContext
    public var payload: EventPayload
    /// Frames of the stack trace that followed the event, innermost first.
    public var stack: [StackFrame]

    public init(context: EventContext, payload: EventPayload, stack: [StackFrame] = []) {
        self.context = context
        self.payload = payload
        self.stack = stack
    }
}

/// DMA data direction (`enum dma_data_direction`).
public enum DMADirection: UInt8, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    case bidirectional = 0, toDevice = 1, fromDevice = 2, none = 3

    /// The kernel's symbolic name as printed in traces (`FROM_DEVICE`).
    public var description: String {
        switch self {
        case .bidirectional: return "BIDIRECTIONAL"
        case .toDevice: return "TO_DEVICE"
        case .fromDevice: return "FROM_DEVICE"
        case .none: return "NONE"
        }
    }
}

/// `DMA_ATTR_*` bits.
public struct DMAAttributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public static let weakOrdering = DMAAttributes(rawValue: 1 << 1)
    public static let writeCombine = DMAAttributes(rawValue: 1 << 2)
    public static let noKernelMapping = DMAAttributes(rawValue: 1 << 4)
    public static let skipCPUSync = DMAAttributes(rawValue: 1 << 5)
    public static let forceContiguous = DMAAttributes(rawValue: 1 << 6)
    public static let allocSinglePages = DMAAttributes(rawValue: 1 << 7)
    public static let noWarn = DMAAttributes(rawValue: 1 << 8)
    public static let privileged = DMAAttributes(rawValue: 1 << 9)
    public static let mmio = DMAAttributes(rawValue: 1 << 10)
    public static let cacheClean = DMAAttributes(rawValue: 1 << 11)
    public static let requireCoherent = DMAAttributes(rawValue: 1 << 12)
    public static let ccShared = DMAAttributes(rawValue: 1 << 13)
    public static let allocCCShared = DMAAttributes(rawValue: 1 << 14)
}

/// `dma_map_sg` after a successful mapping.
public struct MapSGEvent: Sendable, Equatable {
    public var device: String
    public var direction: DMADirection
    /// `sg_phys()` of the input entries shown (at most 128 in the capped form).
    public var physAddresses: [UInt64]
    /// Output DMA addresses shown.
    public var dmaAddresses: [UInt64]
    /// Output DMA lengths shown (`sizes=`).
    public var dmaLengths: [UInt32]
    /// True input count (`nents=a/b` → b); the array length in the uncapped form.
    public var fullNents: Int
    /// True output count (`ents=c/d` → d); the array length in the uncapped form.
    public var fullEnts: Int
    /// ` [TRUNCATED]` was present (or full counts exceed the shown arrays).
    public var truncated: Bool
    public var attributes: DMAAttributes

    public init(device: String, direction: DMADirection, physAddresses: [UInt64], dmaAddresses: [UInt64], dmaLengths: [UInt32], fullNents: Int? = nil, fullEnts: Int? = nil, truncated: Bool = false, attributes: DMAAttributes = []) {
        self.device = device
        self.direction = direction
        self.physAddresses = physAddresses
        self.dmaAddresses = dmaAddresses
        self.dmaLengths = dmaLengths
        self.fullNents = fullNents ?? physAddresses.count
        self.fullEnts = fullEnts ?? dmaAddresses.count
        self.truncated = truncated
        self.attributes = attributes
    }
}

/// `dma_map_sg_err` (v6.13+): the mapper returned an unexpected code.
public struct MapSGErrorEvent: Sendable, Equatable {
    public var device: String
    public var direction: DMADirection
    /// Physical addresses of the input (printed under the label `dma_addrs=`).
    public var physAddresses: [UInt64]
    public var error: Int32
    public var attributes: DMAAttributes
    public init(device: String, direction: DMADirection, physAddresses: [UInt64], error: Int32, attributes: DMAAttributes = []) {
        self.device = device
        self.direction = direction
        self.physAddresses = physAddresses
        self.error = error
        self.attributes = attributes
    }
}

/// `dma_unmap_sg`: fired before unmapping, with the caller's input list.
public struct UnmapSGEvent: Sendable, Equatable {
    public var device: String
    public var direction: DMADirection
    public var physAddresses: [UInt64]
    public var attributes: DMAAttributes
    public init(device: String, direction: DMADirection, physAddresses: [UInt64], attributes: DMAAttributes = []) {
        self.device = device
        self.direction = direction
        self.physAddresses = physAddresses
        self.attributes = attributes
    }
}

/// Which single-mapping API an event came from.
public enum SingleMapAPI: String, Sendable, Equatable {
    /// `dma_map_phys` / `dma_unmap_phys` (6.18+).
    case phys
    /// `dma_map_page` / `dma_unmap_page` (6.12–6.17).
    case page
    /// `dma_map_resource` / `dma_unmap_resource` (6.12–6.17).
    case resource
}

/// `dma_map_phys` / `dma_map_page` / `dma_map_resource` (fired also on failure).
public struct MapSingleEvent: Sendable, Equatable {
    public var api: SingleMapAPI
    public var device: String
    public var direction: DMADirection
    public var physAddress: UInt64
    /// `0xffffffffffffffff` (DMA_MAPPING_ERROR) when the mapping failed.
    public var dmaAddress: UInt64
    public var size: UInt64
    public var attributes: DMAAttributes
    public init(api: SingleMapAPI, device: String, direction: DMADirection, physAddress: UInt64, dmaAddress: UInt64, size: UInt64, attributes: DMAAttributes = []) {
        self.api = api
        self.device = device
        self.direction = direction
        self.physAddress = physAddress
        self.dmaAddress = dmaAddress
        self.size = size
        self.attributes = attributes
    }
}

/// `dma_unmap_phys` / `dma_unmap_page` / `dma_unmap_resource`.
public struct UnmapSingleEvent: Sendable, Equatable {
    public var api: SingleMapAPI
    public var device: String
    public var direction: DMADirection
    public var dmaAddress: UInt64
    public var size: UInt64
    public var attributes: DMAAttributes
    public init(api: SingleMapAPI, device: String, direction: DMADirection, dmaAddress: UInt64, size: UInt64, attributes: DMAAttributes = []) {
        self.api = api
        self.device = device
        self.direction = direction
        self.dmaAddress = dmaAddress
        self.size = size
        self.attributes = attributes
    }
}

/// `dma_sync_single_for_cpu` / `_for_device`.
public struct SyncSingleEvent: Sendable, Equatable {
    public var forDevice: Bool
    public var device: String
    public var direction: DMADirection
    public var dmaAddress: UInt64
    public var size: UInt64
    public init(forDevice: Bool, device: String, direction: DMADirection, dmaAddress: UInt64, size: UInt64) {
        self.forDevice = forDevice
        self.device = device
        self.direction = direction
        self.dmaAddress = dmaAddress
        self.size = size
    }
}

/// `dma_sync_sg_for_cpu` / `_for_device` (slots past the mapped count show all-ones / 0).
public struct SyncSGEvent: Sendable, Equatable {
    public var forDevice: Bool
    public var device: String
    public var direction: DMADirection
    public var dmaAddresses: [UInt64]
    public var dmaLengths: [UInt32]
    public init(forDevice: Bool, device: String, direction: DMADirection, dmaAddresses: [UInt64], dmaLengths: [UInt32]) {
        self.forDevice = forDevice
        self.device = device
        self.direction = direction
        self.dmaAddresses = dmaAddresses
        self.dmaLengths = dmaLengths
    }
}

/// Which coherent / non-contiguous allocation event.
public enum AllocEventKind: String, Sendable, Equatable {
    case alloc = "dma_alloc", free = "dma_free"
    case allocPages = "dma_alloc_pages", freePages = "dma_free_pages"
    case allocSGT = "dma_alloc_sgt", allocSGTError = "dma_alloc_sgt_err", freeSGT = "dma_free_sgt"

    /// The kind of an allocation event name (text and trace.dat paths alike); any other
    /// allocation name is `dma_free_sgt`, the last of the family.
    init(_ name: TracedEventName) {
        switch name {
        case .alloc: self = .alloc
        case .free: self = .free
        case .allocPages: self = .allocPages
        case .freePages: self = .freePages
        case .allocSGT: self = .allocSGT
        case .allocSGTError: self = .allocSGTError
        default: self = .freeSGT
        }
    }
}

/// `dma_alloc*` / `dma_free*` in both the 6.12 and 6.13+ layouts.
public struct AllocEvent: Sendable, Equatable {
    public var kind: AllocEventKind
    public var device: String
    /// Nil in the 6.12 layout (no direction).
    public var direction: DMADirection?
    /// 0 when an allocation failed.
    public var dmaAddress: UInt64
    public var size: UInt64
    /// `phys_addr` (6.12 layout) — nil otherwise.
    public var physAddress: UInt64?
    /// `phys_addrs` of the sgt variants.
    public var physAddresses: [UInt64]
    /// `virt_addr` (hashed in kernel text output).
    public var virtualAddress: UInt64?
    /// GFP flags as printed (`GFP_KERNEL|__GFP_ZERO`); raw decimal in fallback form.
    public var gfpFlags: String?
    public var attributes: DMAAttributes
    public init(kind: AllocEventKind, device: String, direction: DMADirection? = nil, dmaAddress: UInt64, size: UInt64, physAddress: UInt64? = nil, physAddresses: [UInt64] = [], virtualAddress: UInt64? = nil, gfpFlags: String? = nil, attributes: DMAAttributes = []) {
        self.kind = kind
        self.device = device
        self.direction = direction
        self.dmaAddress = dmaAddress
        self.size = size
        self.physAddress = physAddress
        self.physAddresses = physAddresses
        self.virtualAddress = virtualAddress
        self.gfpFlags = gfpFlags
        self.attributes = attributes
    }
}

/// `iommu:map` (no device; attribute to the following dma event of the same CPU/pid).
public struct IOMMUMapEvent: Sendable, Equatable {
    public var iova: UInt64
    public var physAddress: UInt64
    public var size: UInt64
    public init(iova: UInt64, physAddress: UInt64, size: UInt64) {
        self.iova = iova
        self.physAddress = physAddress
        self.size = size
    }
}

/// `iommu:unmap`; `unmappedSize < size` means part of the range was not mapped.
public struct IOMMUUnmapEvent: Sendable, Equatable {
    public var iova: UInt64
    public var size: UInt64
    public var unmappedSize: UInt64
    public init(iova: UInt64, size: UInt64, unmappedSize: UInt64) {
        self.iova = iova
        self.size = size
        self.unmappedSize = unmappedSize
    }
}

/// `iommu:io_page_fault`.
public struct IOMMUFaultEvent: Sendable, Equatable {
    public var driver: String
    public var device: String
    public var iova: UInt64
    public var flags: UInt32
    public init(driver: String, device: String, iova: UInt64, flags: UInt32) {
        self.driver = driver
        self.device = device
        self.iova = iova
        self.flags = flags
    }
}

/// `swiotlb:swiotlb_bounced` (`dev_addr` is the ORIGINAL buffer's address).
public struct SwiotlbBouncedEvent: Sendable, Equatable {
    public var device: String
    public var dmaMask: UInt64
    public var originalAddress: UInt64
    public var size: UInt64
    /// `NORMAL`, `FORCE` or `NO_FORCE`.
    public var mode: String
    public init(device: String, dmaMask: UInt64, originalAddress: UInt64, size: UInt64, mode: String) {
        self.device = device
        self.dmaMask = dmaMask
        self.originalAddress = originalAddress
        self.size = size
        self.mode = mode
    }
}

/// The typed payload of an event this tool uses.
public enum EventPayload: Sendable, Equatable {
    case mapSG(MapSGEvent)
    case mapSGError(MapSGErrorEvent)
    case unmapSG(UnmapSGEvent)
    case mapSingle(MapSingleEvent)
    case unmapSingle(UnmapSingleEvent)
    case syncSingle(SyncSingleEvent)
    case syncSG(SyncSGEvent)
    case alloc(AllocEvent)
    case iommuMap(IOMMUMapEvent)
    case iommuUnmap(IOMMUUnmapEvent)
    case iommuFault(IOMMUFaultEvent)
    /// `iommu:attach_device_to_domain` (or older `detach_device_from_domain` with `attach == false`).
    case iommuAttach(device: String, attach: Bool)
    /// `iommu:add_device_to_group` (or `remove_device_from_group` with `add == false`).
    case iommuGroup(groupID: Int, device: String, add: Bool)
    case swiotlbBounced(SwiotlbBouncedEvent)

    /// The device the event names, when it names one.
    public var device: String? {
        switch self {
        case .mapSG(let e): return e.device
        case .mapSGError(let e): return e.device
        case .unmapSG(let e): return e.device
        case .mapSingle(let e): return e.device
        case .unmapSingle(let e): return e.device
        case .syncSingle(let e): return e.device
        case .syncSG(let e): return e.device
        case .alloc(let e): return e.device
        case .iommuMap, .iommuUnmap: return nil
        case .iommuFault(let e): return e.device
        case .iommuAttach(let d, _): return d
        case .iommuGroup(_, let d, _): return d
        case .swiotlbBounced(let e): return e.device
        }
    }
}
