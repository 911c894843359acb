import Foundation
import Testing

/// `sgreplay symbolize -i` on a gcc-built ELF against `eu-addr2line -a -f -i`, address by address.
@Suite(.enabled(
    if: FileManager.default.isExecutableFile(atPath: "/usr/bin/eu-addr2line"),
    "eu-addr2line is not installed (Debian: elfutils); the symbolize -i comparison is skipped"))
struct SymbolizeInlinesTests {
    static let source = """
        static inline int leaf(int x) { int y = x * 3; if (y > 7) y ^= 5; return y + 1; }
        static inline int mid(int x) { int z = leaf(x) + leaf(x + 1); return z * 2; }
        __attribute__((noinline)) int outer(int a) { int s = 0; for (int i = 0; i < a; i++) s += mid(i); return s; }
        int main(int c, char **v) { return outer(c); }
        """

    private static func shell(_ command: String, in directory: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = directory
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Frames per address, `function file:line` each (columns and `+0xoff` dropped).
    private static func chains(_ text: String, isStart: (Substring) -> Bool, parse: ([Substring]) -> [String]) -> [[String]] {
        var result: [[String]] = []
        var current: [Substring] = []
        for line in text.split(separator: "\n") {
            if isStart(line), !current.isEmpty {
                result.append(parse(current))
                current = []
            }
            current.append(line)
        }
        if !current.isEmpty { result.append(parse(current)) }
        return result
    }

    private static func withoutColumn(_ source: Substring) -> String {
        let parts = source.split(separator: ":")
        return parts.count >= 3 ? parts.dropLast().joined(separator: ":") : String(source)
    }

    @Test func everyByteOfTheInliningFunctionAgrees() throws {
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.source.write(to: directory.appendingPathComponent("t.c"), atomically: true, encoding: .utf8)
        _ = try Self.shell("gcc -gdwarf-5 -O2 -o t t.c", in: directory)
        let symbol = try Self.shell("nm -S t | awk '$4 == \"outer\" { print $1, $2 }'", in: directory).split(separator: " ")
        let start = try #require(UInt64(symbol[0], radix: 16))
        let size = try #require(UInt64(symbol[1].trimmingCharacters(in: .whitespacesAndNewlines), radix: 16))
        let addresses = (start..<start + size).map { "0x" + String($0, radix: 16) }.joined(separator: "\n") + "\n"
        let ours = try CLIRunner.run(["symbolize", "--vmlinux", directory.appendingPathComponent("t").path, "-i"], input: Data(addresses.utf8))
        #expect(ours.status == 0)
        try addresses.write(to: directory.appendingPathComponent("addresses"), atomically: true, encoding: .utf8)
        let theirs = try Self.shell("eu-addr2line -a -f -i -e t < addresses", in: directory)
        let ourChains = Self.chains(ours.stdout, isStart: { $0.hasPrefix("0x") }) { lines in
            lines.enumerated().map { index, line in
                let words = (index == 0 ? line.split(separator: " ").dropFirst() : line.dropFirst(" (inlined by) ".count).split(separator: " ")[...])
                let name = words.first.map { String($0.split(separator: "+").first ?? $0) } ?? "??"
                return name + " " + (words.count > 1 ? String(words.last!) : "??")
            }
        }
        let euChains = Self.chains(theirs, isStart: { $0.hasPrefix("0x") }) { lines in
            stride(from: 1, to: lines.count - 1, by: 2).map { index in
                String(lines[index].split(separator: " ").first ?? "??") + " " + Self.withoutColumn(lines[index + 1])
            }
        }
        #expect(ourChains.count == Int(size))
        #expect(ourChains.count == euChains.count)
        for (index, (our, eu)) in zip(ourChains, euChains).enumerated() {
            #expect(our == eu, "address \(index): sgreplay \(our), eu-addr2line \(eu)")
        }
        #expect(ourChains.contains { $0.count == 3 && $0[0].hasPrefix("leaf ") && $0[1].hasPrefix("mid ") && $0[2].hasPrefix("outer ") })
        #expect(ours.stdout.contains(" (inlined by) mid "))
    }
}
