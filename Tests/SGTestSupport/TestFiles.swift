import Foundation

/// Temporary files and directories, and compressed reference files, for the tests.
public enum TestFiles {
    /// A fresh temporary file holding `data`.
    public static func temporaryFile(_ data: Data, prefix: String = "sgreplay-test", suffix: String = ".txt") throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)\(suffix)")
        try data.write(to: url)
        return url.path
    }

    /// A fresh temporary directory.
    public static func temporaryDirectory(prefix: String = "sgreplay-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The decompressed bytes of an xz file (through the `xz` tool); throws when it fails.
    public static func xzDecompressed(_ url: URL) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["xz", "-dc", url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: url.path])
        }
        return data
    }
}
