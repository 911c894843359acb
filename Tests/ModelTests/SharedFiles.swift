import Foundation
import SGTestSupport

/// The project's shared reference files: `<repo root>/../shared`.
enum SharedFiles {
    static let root: URL = TestPaths.shared

    /// The decompressed bytes of an xz file (through the `xz` tool).
    static func xzDecompressed(_ relative: String) throws -> Data {
        try TestFiles.xzDecompressed(root.appendingPathComponent(relative))
    }
}
