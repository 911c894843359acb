import Synchronization

/// A thread-safe memo of resolved addresses (stack traces repeat the same few thousand return
/// addresses). Misses are remembered too. Past `capacity` entries it starts over.
public final class ResolvedAddressCache: Sendable {
    private let entries = Mutex<[UInt64: SymbolLocation?]>([:])
    /// Most entries kept before the memo is emptied.
    public let capacity: Int

    public init(capacity: Int = 1 << 20) {
        self.capacity = capacity
    }

    /// The remembered result for `address`, or `compute(address)` remembered.
    public func location(of address: UInt64, compute: (UInt64) -> SymbolLocation?) -> SymbolLocation? {
        if let known = entries.withLock({ $0[address] }) { return known }
        let location = compute(address)
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[address] = location
        }
        return location
    }

    /// Number of remembered addresses.
    public var count: Int { entries.withLock { $0.count } }
}

/// Any symbolizer with a `ResolvedAddressCache` in front.
public struct CachingSymbolizer<Base: AddressSymbolizer>: AddressSymbolizer {
    /// The symbolizer that does the work on a miss.
    public let base: Base
    /// The memo.
    public let cache: ResolvedAddressCache

    public init(_ base: Base, cache: ResolvedAddressCache = ResolvedAddressCache()) {
        self.base = base
        self.cache = cache
    }

    public func resolve(_ address: UInt64) -> SymbolLocation? {
        cache.location(of: address, compute: base.resolve)
    }
}

extension AddressSymbolizer {
    /// Resolves a stack-trace return address the way the kernel's `%pB` does: looks up
    /// `address − 1` (the call instruction, so a call at the very end of a function, to a
    /// noreturn function, is not attributed to the next function) and adds the 1 back to the
    /// offset. The source line is the call's line.
    public func resolveReturnAddress(_ address: UInt64) -> SymbolLocation? {
        guard address > 0, var location = resolve(address - 1) else { return nil }
        location.offset += 1
        return location
    }
}
