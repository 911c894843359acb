import Foundation
import SGTestSupport

/// Runs the built `sgreplay` as users run it.
enum CLIRunner {
    static let repoRoot = TestPaths.repoRoot
    static let shared = TestPaths.shared
    static let realCapture = shared.appendingPathComponent("traces/real-6.1-iommu-lazy/trace.txt.xz").path

    /// The built `sgreplay` beside the test bundle.
    static var binary: URL {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while dir.path != "/", !FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("sgreplay").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("sgreplay")
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `sgreplay arguments…` in `directory` (default: the repo root), feeding `input` to stdin.
    static func run(_ arguments: [String], in directory: URL? = nil, input: Data? = nil) throws -> Output {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? repoRoot
        let out = Pipe(), err = Pipe(), inp = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input == nil ? FileHandle.nullDevice : inp
        try process.run()
        if let input {
            try inp.fileHandleForWriting.write(contentsOf: input)
            try inp.fileHandleForWriting.close()
        }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> URL { try TestFiles.temporaryDirectory(prefix: "sgreplay-cli") }

    /// `summary.json` of an output directory as a dictionary.
    static func summary(in directory: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent("summary.json"))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }
}
