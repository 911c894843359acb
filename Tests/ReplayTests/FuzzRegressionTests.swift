import Foundation
import SGIngest
import SGModel
import Testing
@testable import SGReplay

/// Every input a fuzzing campaign (`make fuzz`) found a crash with, kept in
/// Fuzz/regressions/<target>/, replayed through what that target exercises.
@Suite struct FuzzRegressionTests {
    static let root = RealCaptureFiles.repoRoot.appendingPathComponent("Fuzz/regressions")

    static func inputs(_ target: String) -> [String] {
        let dir = root.appendingPathComponent(target)
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted().map { dir.appendingPathComponent($0).path }
    }

    /// A topology that loads writes back to one that loads to the same value; anything else is a clear error.
    @Test func topologyInputs() throws {
        let files = Self.inputs("FuzzTopology")
        #expect(!files.isEmpty)
        for file in files {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            do {
                let topology = try TopologyFile.parse(data, file: file)
                #expect(try TopologyFile.parse(Data(topology.json().utf8), file: "again") == topology, "\(file)")
            } catch let error as TopologyFileError {
                #expect(error.description.contains(file), "\(error)")
            }
        }
    }

    /// A kernel release with more digits than an Int holds is not a release (it trapped).
    @Test func overlongReleaseNumbersAreRejected() {
        #expect(KernelRelease(parsing: String(repeating: "6", count: 70) + ".1.0") == nil)
        #expect(KernelRelease(parsing: "6." + String(repeating: "9", count: 30)) == nil)
        #expect(KernelRelease(parsing: "6.12.95+deb12-amd64") == KernelRelease(6, 12, 95))
    }

    /// Trace inputs (of the ingest and the whole-analysis targets) go through ingest alone
    /// and through the whole analysis; both accountings reconcile.
    @Test func traceInputs() throws {
        let files = Self.inputs("FuzzTrace") + Self.inputs("FuzzAnalyze")
        #expect(!files.isEmpty)
        for file in files {
            let ingest = try TraceReader(inputs: [file]).read { _ in }
            #expect(ingest.reconciles, "\(file)")
            let result = try Analyzer(AnalyzerOptions(traces: [file])).run()
            #expect(result.input.reconciles, "\(file)")
        }
    }
}
