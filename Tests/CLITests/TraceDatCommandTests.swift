import Foundation
import Testing

/// `sgreplay analyze trace.dat` against `sgreplay analyze` of the same file's `trace-cmd report`
/// text: the same findings and mappings (line numbers aside: records against lines).
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/trace-cmd"), "trace-cmd is not installed"))
struct TraceDatCommandTests {
    static func sh(_ command: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw CocoaError(.fileReadUnknown, userInfo: ["command": command]) }
    }

    /// A synthetic 6.18 trace.dat (scripts/make-tracedat.py, `count` scenarios) and its report text.
    static func synthetic(in dir: URL, count: Int) throws -> (dat: String, text: String) {
        let base = dir.appendingPathComponent("base.dat").path, events = dir.appendingPathComponent("events.txt").path
        let dat = dir.appendingPathComponent("trace.dat").path, text = dir.appendingPathComponent("trace.txt").path
        let capture = CLIRunner.shared.appendingPathComponent("formats/framings-6.18/tc-6.18.dat").path
        try sh("trace-cmd convert -i '\(capture)' -o '\(base)' --file-version 6 --compression none")
        try sh("trace-cmd dump --events -i '\(base)' > '\(events)'")
        try sh("python3 '\(CLIRunner.repoRoot.path)/scripts/make-tracedat.py' '\(base)' '\(events)' '\(dat)' --count \(count)")
        try sh("trace-cmd report -l -t -i '\(dat)' > '\(text)'")
        return (dat, text)
    }

    /// CSV rows without the columns that hold line numbers or the input's name.
    static func rows(_ file: URL, dropping columns: Set<String>) throws -> [String] {
        let lines = try String(contentsOf: file, encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init) // CRLF rows
        guard let header = lines.first?.split(separator: ",").map(String.init) else { return [] }
        let keep = header.indices.filter { !columns.contains(header[$0]) }
        return lines.dropFirst().map { line in
            // Only the leading columns are compared (details quote line numbers and may hold commas).
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return keep.filter { $0 < cells.count && $0 < 9 }.map { cells[$0] }.joined(separator: ",")
        }
    }

    @Test func sameFindingsAndMappingsAsTheReportText() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (dat, text) = try Self.synthetic(in: dir, count: 3)
        let outDat = dir.appendingPathComponent("r-dat"), outText = dir.appendingPathComponent("r-text")
        let a = try CLIRunner.run(["analyze", dat, "--out", outDat.path, "--format", "json,csv", "--fail-on", "never"])
        let b = try CLIRunner.run(["analyze", text, "--out", outText.path, "--format", "json,csv", "--fail-on", "never"])
        #expect(a.status == 0 && b.status == 0, "\(a.stderr)\n\(b.stderr)")
        let mappings = try Self.rows(outDat.appendingPathComponent("mappings.csv"), dropping: ["map_line", "unmap_line"])
        #expect(!mappings.isEmpty)
        #expect(mappings == (try Self.rows(outText.appendingPathComponent("mappings.csv"), dropping: ["map_line", "unmap_line"])))
        let findings = try Self.rows(outDat.appendingPathComponent("findings.csv"), dropping: ["file", "line"])
        #expect(!findings.isEmpty)
        #expect(findings == (try Self.rows(outText.appendingPathComponent("findings.csv"), dropping: ["file", "line"])))
        let input = try CLIRunner.summary(in: outDat)["input"] as? [String: Any]
        #expect(input?["lines"] as? Int == 3 * 16 && input?["events_used"] as? Int == 3 * 15)
    }

    @Test func traceDatOnStandardInputIsRefusedWithAHint() throws {
        let capture = CLIRunner.shared.appendingPathComponent("formats/framings-6.18/tc-6.18.dat")
        // stdin from the file itself (a pipe written by this process would raise SIGPIPE here
        // when sgreplay refuses early).
        let p = Process()
        p.executableURL = CLIRunner.binary
        p.arguments = ["ingest", "-"]
        p.standardInput = try FileHandle(forReadingFrom: capture)
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 2, "\(stderr)")
        #expect(stderr.contains("pass it as a file"), "\(stderr)")
    }

    /// A trace.dat cut short: exit 3, the file named, what was before the cut analysed.
    @Test func truncatedFileExitsDamagedWithWhatWasRead() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (dat, _) = try Self.synthetic(in: dir, count: 40)
        let data = try Data(contentsOf: URL(fileURLWithPath: dat))
        try data.prefix(data.count - 3000).write(to: URL(fileURLWithPath: dat))
        let out = dir.appendingPathComponent("r")
        let r = try CLIRunner.run(["analyze", dat, "--out", out.path, "--format", "json", "--fail-on", "never"])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains(dat + ": the file ends at byte"), "\(r.stderr)")
        let input = try CLIRunner.summary(in: out)["input"] as? [String: Any]
        #expect((input?["events_used"] as? Int ?? 0) > 0 && input?["damaged"] as? Bool == true)
    }

    @Test func corruptPageHeaderExitsDamagedWithWhatWasRead() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (dat, _) = try Self.synthetic(in: dir, count: 40)
        var data = try Data(contentsOf: URL(fileURLWithPath: dat))
        let table = try #require(data.range(of: Data("flyrecord\0".utf8), options: .backwards)).upperBound
        let cpu0 = data.subdata(in: table..<(table + 8)).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        for k in 0..<8 { data[Int(cpu0) + 2 * 4096 + 8 + k] = 0xFF }
        try data.write(to: URL(fileURLWithPath: dat))
        let out = dir.appendingPathComponent("r")
        let r = try CLIRunner.run(["analyze", dat, "--out", out.path, "--format", "json", "--fail-on", "never"])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("CPU 0: the page at file offset"), "\(r.stderr)")
        let input = try CLIRunner.summary(in: out)["input"] as? [String: Any]
        #expect((input?["events_used"] as? Int ?? 0) > 0 && input?["damaged"] as? Bool == true)
    }
}
