import Synchronization

/// A request to stop reading input, made from a signal handler (SIGINT, SIGTERM).
///
/// Reading stops at the next chunk or at a blocked read(2) (the handlers are
/// installed without `SA_RESTART`, so the read returns `EINTR`); the lines read
/// so far are analysed and reported, and ``InputAccounting/interrupted`` says
/// the input did not end normally. Only async-signal-safe work happens in the
/// handler: one atomic compare-and-exchange.
public enum InputInterruption {
    private static let requested = Atomic<Int32>(0)

    /// Records `signal` as the reason to stop; false when a stop was already requested
    /// (the caller's handler then ends the process at once).
    @discardableResult
    public static func request(signal: Int32) -> Bool {
        requested.compareExchange(expected: 0, desired: max(signal, 1), ordering: .relaxed).exchanged
    }

    /// The signal that asked to stop, if one did.
    public static var signal: Int32? {
        let s = requested.load(ordering: .relaxed)
        return s == 0 ? nil : s
    }

    /// True once a stop was requested.
    public static var isRequested: Bool { requested.load(ordering: .relaxed) != 0 }

    /// Forgets a request (tests; a new run in the same process).
    public static func reset() { requested.store(0, ordering: .relaxed) }
}
