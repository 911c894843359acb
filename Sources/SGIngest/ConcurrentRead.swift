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
final class RecordBatchQueue: @unchecked Sendable {
    struct Stopped: Error {}

    private let condition = NSCondition()
    private let depth: Int
    private var batches: [[TraceRecord]] = []
    private var head = 0
    private var finished: Result<InputAccounting, any Error>?
    private var stopped = false

    init(depth: Int) { self.depth = depth }

    /// Waits for room; `false` when the consumer stopped (the producer should end).
    func push(_ batch: [TraceRecord]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while batches.count - head >= depth && !stopped { condition.wait() }
        if stopped { return false }
        batches.append(batch)
        condition.broadcast()
        return true
    }

    /// The next batch in order, or `nil` once the producer finished and everything was taken.
    func pop() -> [TraceRecord]? {
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

    func finish(_ outcome: Result<InputAccounting, any Error>) {
        condition.lock()
        finished = outcome
        condition.broadcast()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopped = true
        batches.removeAll()
        head = 0
        condition.broadcast()
        condition.unlock()
    }

    func waitFinished() -> Result<InputAccounting, any Error> {
        condition.lock()
        defer { condition.unlock() }
        while finished == nil { condition.wait() }
        return finished!
    }
}
