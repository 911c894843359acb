import Foundation
import Testing
import SGTestSupport

/// The real 6.1 capture in `../shared` and the helpers its tests share.
enum RealCaptureFiles {
    static let repoRoot = TestPaths.repoRoot
    static let captureDir = TestPaths.shared("traces/real-6.1-iommu-lazy")

    /// `xz -dc FILE` as lines.
    static func xzLines(_ url: URL) throws -> [Substring] {
        String(decoding: try TestFiles.xzDecompressed(url), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
    }

    /// A `"0x…"` field of a truth object (0 when absent).
    static func hexField(_ object: [String: Any], _ key: String) -> UInt64 {
        (object[key] as? String).flatMap { UInt64($0.dropFirst(2), radix: 16) } ?? 0
    }
}
