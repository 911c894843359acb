import Foundation

/// Paths the tests share: the repository they run from and its sibling `../shared`.
public enum TestPaths {
    /// The repository root, from this file's place (`Tests/SGTestSupport/TestPaths.swift`).
    public static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// `<repo>/../shared`: the project's reference files (formats, traces, CONTRACTS.md).
    public static let shared = repoRoot.appendingPathComponent("../shared").standardizedFileURL

    /// A path inside the repository.
    public static func repo(_ relative: String) -> URL { repoRoot.appendingPathComponent(relative) }

    /// A path inside `../shared`.
    public static func shared(_ relative: String) -> URL { shared.appendingPathComponent(relative) }
}
