import Foundation
import Testing
@testable import SGIngest

/// xz and gzip inputs, detected by content, streamed, and cut short.
@Suite struct CompressedInputTests {
    static let plainPath = IngestFixtures.framing("ftrace-stacktrace.txt")

    @Test func gzipIsDetectedByMagicNotName() throws {
        let plain = try Data(contentsOf: URL(fileURLWithPath: Self.plainPath))
        let gz = try IngestFixtures.shell("gzip -c", input: plain)
        #expect(gz.prefix(2) == Data([0x1F, 0x8B]))
        let path = try IngestFixtures.temporaryFile(gz, suffix: ".txt") // misleading name on purpose
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (_, a) = try IngestFixtures.read([path])
        let (_, b) = try IngestFixtures.read([Self.plainPath])
        #expect(a.lines == 694 && a.stackLines == b.stackLines && a.eventsOther == b.eventsOther && !a.damaged)
    }

    @Test func multiMemberGzipReadsEveryMember() throws {
        let plain = try Data(contentsOf: URL(fileURLWithPath: Self.plainPath))
        let gz = try IngestFixtures.shell("gzip -c", input: plain)
        let path = try IngestFixtures.temporaryFile(gz + gz, suffix: ".gz")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (_, a) = try IngestFixtures.read([path])
        #expect(a.lines == 2 * 694 && a.headerLines == 2 * 57 && !a.damaged && a.reconciles)
    }

    @Test func truncatedGzipIsDamagedAndKeepsWhatWasRead() throws {
        // The real 6.1 capture, re-compressed with gzip and cut in the middle.
        let xz = IngestFixtures.shared.appendingPathComponent("traces/real-6.1-iommu-lazy/trace.txt.xz").path
        let plain = try IngestFixtures.shell("xz -dc '\(xz)'; true", input: Data())
        let gz = try IngestFixtures.shell("gzip -c", input: plain)
        let path = try IngestFixtures.temporaryFile(gz.prefix(gz.count / 2), suffix: ".gz")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (records, a) = try IngestFixtures.read([path])
        #expect(a.damaged)
        #expect(a.damage.count == 1 && a.damage[0].contains(path) && a.damage[0].contains("gzip stream truncated"), "\(a.damage)")
        #expect(a.lines > 1000 && a.lines < 41912)
        #expect(a.eventsUsed >= a.lines - 13 && records.count == a.eventsUsed && a.reconciles)
    }

    @Test func truncatedXZIsDamagedAndKeepsWhatWasRead() throws {
        let xz = try Data(contentsOf: URL(fileURLWithPath: IngestFixtures.framing("ftrace-pipe-lost.txt.xz")))
        let path = try IngestFixtures.temporaryFile(xz.prefix(xz.count / 2), suffix: ".xz")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (records, a) = try IngestFixtures.read([path])
        #expect(a.damaged)
        #expect(a.damage.count == 1 && a.damage[0].contains("xz stream truncated"), "\(a.damage)")
        #expect(a.lines > 50_000 && a.lines < 273_770)
        #expect(records.first == TraceRecord(fileIndex: 0, line: 32336, kind: .lost(cpu: 0, count: 580)))
        #expect(a.reconciles)
    }

    @Test func corruptXZIsDamaged() throws {
        var xz = try Data(contentsOf: URL(fileURLWithPath: IngestFixtures.framing("ftrace-pipe-lost.txt.xz")))
        let middle = xz.count / 2
        for i in middle..<(middle + 64) { xz[i] ^= 0x5A }
        let path = try IngestFixtures.temporaryFile(xz, suffix: ".xz")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (_, a) = try IngestFixtures.read([path])
        #expect(a.damaged && a.lines > 10_000 && a.lines < 273_770 && a.reconciles, "\(a.damage)")
    }

    /// A trace.dat inside gzip is read as the plain file (``TraceDatTests`` has more); another
    /// binary container inside it (perf.data) is refused with its conversion hint.
    @Test func compressedTraceDatIsReadAndOtherContainersRefused() throws {
        let plain = IngestFixtures.framing("tc-6.18.dat")
        let gz = try IngestFixtures.shell("gzip -c", input: try Data(contentsOf: URL(fileURLWithPath: plain)))
        let path = try IngestFixtures.temporaryFile(gz, suffix: ".gz")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try IngestFixtures.read([path]).0 == IngestFixtures.read([plain]).0)
        let perf = try IngestFixtures.shell("gzip -c", input: try Data(contentsOf: URL(fileURLWithPath: IngestFixtures.framing("perf.data"))))
        let perfPath = try IngestFixtures.temporaryFile(perf, suffix: ".gz")
        defer { try? FileManager.default.removeItem(atPath: perfPath) }
        #expect(throws: IngestError.self) { _ = try IngestFixtures.read([perfPath]) }
    }
}
