import Foundation

extension TraceReader {
    /// Streams every record to `body` like ``read(_:)``, with reading, decompression,
    /// framing and decoding on a thread of their own: the caller's thread only runs `body`.
    ///
    /// The two threads are joined by a bounded queue of record batches (`queueDepth`
    /// batches of up to `batchSize` records), so memory stays bounded whichever side is
    /// slower, and records reach `body` in exactly the order ``read(_:)`` gives them.
    /// Errors are the same as ``read(_:)``'s; an error thrown by `body` stops the reader
    /// at its next batch and is rethrown.
    public func readConcurrently(batchSize: Int = 2048, queueDepth: Int = 8,
                                 _ body: (TraceRecord) throws -> Void) throws -> InputAccounting {
        let queue = RecordBatchQueue(depth: max(1, queueDepth))
        let reader = self
        let size = max(1, batchSize)
        let thread = Thread {
            var batch: [TraceRecord] = []
            batch.reserveCapacity(size)
            let outcome = Result<InputAccounting, any Error> {
                let accounting = try reader.read { record in
                    batch.append(record)
                    if batch.count == size {
                        guard queue.push(batch) else { throw RecordBatchQueue.Stopped() }
                        batch = []
                        batch.reserveCapacity(size)
                    }
                }
                if !batch.isEmpty { _ = queue.push(batch) }
                return accounting
            }
            queue.finish(outcome)
        }
        thread.name = "sgreplay-ingest"
        thread.stackSize = 8 << 20
        thread.start()
        do {
            while let batch = queue.pop() {
                for record in batch { try body(record) }
            }
        } catch {
            queue.stop()
            _ = queue.waitFinished()
            throw error
        }
        return try queue.waitFinished().get()
    }
}

/// The bounded hand-over between the ingest thread and the consumer.
typealias RecordBatchQueue = BatchChannel<TraceRecord, InputAccounting>

/// A bounded, ordered hand-over of batches between one producer thread and one consumer
/// (ingest → replay, replay → the mappings.csv writer), ending with the producer's outcome.
///
/// The producer blocks while `depth` batches wait, so memory is bounded whichever side is
/// slower; the consumer blocks while none waits. Either side may stop the other: the
/// consumer with ``stop()`` (the producer's next ``push(_:)`` returns `false`), the producer
/// with ``finish(_:)`` (the consumer drains what was pushed, then ``pop()`` returns `nil`).
public final class BatchChannel<Element: Sendable, Outcome: Sendable>: @unchecked Sendable {
    /// Thrown by a producer's loop to end early once ``push(_:)`` returned `false`.
    public struct Stopped: Error {}

    private let condition = NSCondition()
    private let depth: Int
    private var batches: [[Element]] = []
    private var head = 0
    private var finished: Result<Outcome, any Error>?
    private var stopped = false

    public init(depth: Int) { self.depth = max(1, depth) }

    /// Waits for room; `false` when the consumer stopped (the producer should end).
    public func push(_ batch: [Element]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while batches.count - head >= depth && !stopped { condition.wait() }
        if stopped { return false }
        batches.append(batch)
        condition.broadcast()
        return true
    }

    /// The next batch in order, or `nil` once the producer finished and everything was taken.
    public func pop() -> [Element]? {
        condition.lock()
        defer { condition.unlock() }
        while head == batches.count && finished == nil { condition.wait() }
        guard head < batches.count else { return nil }
        let batch = batches[head]
        batches[head] = []
        head += 1
        if head >= 64 && head * 2 >= batches.count {
            batches.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return batch
    }

    /// The producer's last word: no batch follows.
    public func finish(_ outcome: Result<Outcome, any Error>) {
        condition.lock()
        finished = outcome
        condition.broadcast()
        condition.unlock()
    }

    /// The consumer gives up: waiting and later batches are dropped.
    public func stop() {
        condition.lock()
        stopped = true
        batches.removeAll()
        head = 0
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for the producer's outcome.
    public func waitFinished() -> Result<Outcome, any Error> {
        condition.lock()
        defer { condition.unlock() }
        while finished == nil { condition.wait() }
        return finished!
    }
}
