import Foundation
import Testing
@testable import SGIngest

/// Ingest on a thread of its own (`readConcurrently`) hands over exactly the records, in
/// the order, and the accounting that reading on the caller's thread gives.
@Suite struct ConcurrentReadTests {
    static let realCapture = IngestFixtures.shared.appendingPathComponent("traces/real-6.1-iommu-lazy/trace.txt.xz").path

    @Test(arguments: [1, 7, 2048])
    func sameRecordsInTheSameOrder(batchSize: Int) throws {
        let reader = TraceReader(inputs: [Self.realCapture, IngestFixtures.framing("ftrace-stacktrace.txt")])
        var direct: [TraceRecord] = []
        let a = try reader.read { direct.append($0) }
        var handed: [TraceRecord] = []
        let b = try reader.readConcurrently(batchSize: batchSize, queueDepth: 2) { handed.append($0) }
        #expect(direct.count > 10_000)
        #expect(handed == direct)
        #expect(b == a)
    }

    struct Enough: Error {}

    /// An error thrown by the consumer stops the reader and comes back to the caller.
    @Test func consumerErrorStopsTheReader() throws {
        var seen = 0
        #expect(throws: Enough.self) {
            _ = try TraceReader(inputs: [Self.realCapture]).readConcurrently(batchSize: 64, queueDepth: 2) { _ in
                seen += 1
                if seen == 1000 { throw Enough() }
            }
        }
        #expect(seen == 1000)
    }

    /// A file that cannot be opened is the same error as on the caller's thread.
    @Test func unreadableInput() {
        #expect(throws: IngestError.self) {
            _ = try TraceReader(inputs: ["/nonexistent/trace.txt"]).readConcurrently { _ in }
        }
    }
}
