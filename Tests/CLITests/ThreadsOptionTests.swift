import Foundation
import Testing

/// `analyze --threads 1` (everything on one thread) and `--threads 2` (ingest on a thread of
/// its own) report the same thing, byte for byte, on a generated trace with leaks.
@Suite struct ThreadsOptionTests {
    @Test func oneAndTwoThreadsWriteTheSameReports() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let trace = dir.appendingPathComponent("generated.trace").path
        let generated = try CLIRunner.run(["generate", "--size", "2M", "--seed", "11", "--leak-percent", "5", "--out", trace])
        #expect(generated.status == 0, "\(generated.stderr)")

        var outputs: [URL] = []
        for threads in ["1", "2"] {
            let out = dir.appendingPathComponent("threads-\(threads)")
            let r = try CLIRunner.run(["analyze", trace, "--threads", threads, "--out", out.path, "--fail-on", "never"])
            #expect(r.status == 0, "\(r.stderr)")
            outputs.append(out)
        }
        for file in ["findings.csv", "mappings.csv", "devices.csv"] {
            let one = try Data(contentsOf: outputs[0].appendingPathComponent(file))
            let two = try Data(contentsOf: outputs[1].appendingPathComponent(file))
            #expect(one == two, "\(file) differs between --threads 1 and 2")
            #expect(one.count > 100)
        }
        // summary.json is the same apart from the timings.
        var one = try CLIRunner.summary(in: outputs[0]), two = try CLIRunner.summary(in: outputs[1])
        #expect(one["timings"] != nil)
        one["timings"] = nil
        two["timings"] = nil
        #expect(NSDictionary(dictionary: one).isEqual(to: two))
        #expect((one["findings"] as? [String: Any]) != nil)
    }

    @Test func threadsMustBeAtLeastOne() throws {
        let r = try CLIRunner.run(["analyze", "traces/correct-6.18.trace", "--threads", "0"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--threads"))
    }
}
