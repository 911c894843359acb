import Foundation
import SGTestSupport
import Testing

/// Issue 14's redesign (interval treap, plain CSV writer, streamed mappings.csv, ingest on
/// its own thread) changes how the work is done, not its result: on a leaky trace the
/// findings and the mappings are those the code before the redesign gave (Fixtures/
/// leaky-before-redesign, made by commit ec2b70a; see its README).
@Suite struct LeakyTraceGoldenTests {
    static let fixtures = CLIRunner.repoRoot.appendingPathComponent("Tests/CLITests/Fixtures/leaky-before-redesign")

    /// `sgreplay generate --size 3M --seed 7` with every tenth dma_unmap_sg / dma_unmap_phys removed.
    static func leakyTrace(in dir: URL) throws -> URL {
        let generated = dir.appendingPathComponent("generated.txt")
        let gen = try CLIRunner.run(["generate", "--size", "3M", "--seed", "7", "--out", generated.path])
        #expect(gen.status == 0, "\(gen.stderr)")
        let text = try String(contentsOf: generated, encoding: .utf8)
        var unmaps = 0
        let kept = text.split(separator: "\n", omittingEmptySubsequences: false).filter { line in
            guard line.contains(" dma_unmap_sg: ") || line.contains(" dma_unmap_phys: ") else { return true }
            unmaps += 1
            return unmaps % 10 != 0
        }
        let url = dir.appendingPathComponent("leaky.txt")
        try kept.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static func xz(_ name: String) throws -> String {
        String(decoding: try TestFiles.xzDecompressed(fixtures.appendingPathComponent(name)), as: UTF8.self)
    }

    @Test func findingsAndMappingsAreThoseBeforeTheRedesign() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let trace = try Self.leakyTrace(in: dir)
        let out = dir.appendingPathComponent("out")
        let run = try CLIRunner.run(["analyze", trace.path, "--out", out.path])
        #expect(run.status == 0, "\(run.stderr)")

        // Findings: the columns the old build wrote (minus the temporary path), in order.
        let golden = try CSVText.read(Self.xz("findings.csv.xz"))
        let now = try CSVText.read(String(contentsOf: out.appendingPathComponent("findings.csv"), encoding: .utf8))
        let columns = try golden.header.map { name in try #require(now.header.firstIndex(of: name), "column \(name)") }
        let projected = now.rows.map { row in columns.map { row[$0] } }
        #expect(golden.rows.count == 308)
        #expect(projected.count == golden.rows.count)
        for (a, b) in zip(projected, golden.rows) where a != b {
            Issue.record("finding differs:\n now    \(a)\n before \(b)")
            break
        }

        // Mappings: the same rows (their order is now settle order, it was map order).
        let goldenRows = try Self.xz("mappings.sorted.csv.xz").split(separator: "\n").map(String.init)
        let rows = try String(contentsOf: out.appendingPathComponent("mappings.csv"), encoding: .utf8)
            .replacingOccurrences(of: "\r", with: "").split(separator: "\n").map(String.init)
        #expect(goldenRows.count == 2672)
        #expect(rows.first == goldenRows.first)
        let sorted = rows.dropFirst().sorted()
        let missing = Set(goldenRows.dropFirst()).subtracting(sorted), extra = Set(sorted).subtracting(goldenRows.dropFirst())
        #expect(sorted.count == goldenRows.count - 1)
        #expect(missing.isEmpty && extra.isEmpty,
                "\(missing.count) rows missing (e.g. \(missing.sorted().prefix(3))), \(extra.count) rows new (e.g. \(extra.sorted().prefix(3)))")
    }
}
