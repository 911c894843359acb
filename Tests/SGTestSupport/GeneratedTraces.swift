import Foundation
import SGTraceGeneration

/// Traces from ``SGTraceGeneration/TraceGenerator``, in memory or in a temporary file.
public enum GeneratedTraces {
    /// The bytes of a generated trace and what the generator says it wrote.
    public static func data(seed: UInt64, bytes: UInt64, leakPercent: Double = 0) throws -> (Data, TraceGenerator.Summary) {
        var data = Data()
        let summary = try TraceGenerator(seed: seed, targetBytes: bytes, leakPercent: leakPercent).generate { data.append(contentsOf: $0) }
        return (data, summary)
    }

    /// A generated trace in a fresh temporary file (the caller removes it).
    public static func file(seed: UInt64, bytes: UInt64, leakPercent: Double = 0) throws -> (path: String, summary: TraceGenerator.Summary) {
        let (data, summary) = try self.data(seed: seed, bytes: bytes, leakPercent: leakPercent)
        return (try TestFiles.temporaryFile(data, prefix: "sgreplay-generated", suffix: ".trace"), summary)
    }
}
