import Foundation
import Testing

/// The real 6.1 capture in `../shared` and the helpers its tests share.
enum RealCaptureFiles {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let captureDir = repoRoot.appendingPathComponent("../shared/traces/real-6.1-iommu-lazy").standardizedFileURL

    /// `xz -dc FILE` as lines.
    static func xzLines(_ url: URL) throws -> [Substring] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["xz", "-dc", url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
    }

    /// A `"0x…"` field of a truth object (0 when absent).
    static func hexField(_ object: [String: Any], _ key: String) -> UInt64 {
        (object[key] as? String).flatMap { UInt64($0.dropFirst(2), radix: 16) } ?? 0
    }
}
