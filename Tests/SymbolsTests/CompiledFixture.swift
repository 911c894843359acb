import Foundation

/// Runs a tool (gcc, nm, objdump, addr2line) and returns its standard output; throws with its
/// standard error when it fails.
enum Tool {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func run(_ arguments: [String], in directory: URL? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(arguments.joined(separator: " ")): \(String(decoding: errData, as: UTF8.self))")
        }
        return String(decoding: outData, as: UTF8.self)
    }
}

/// A function symbol as `objdump -t` reports it.
struct ObjdumpFunction: Hashable {
    var name: String
    /// Link address (executables) or section offset (relocatable objects).
    var value: UInt64
    var size: UInt64
    var section: String
}

/// Small C programs and objects compiled with gcc into a fresh temporary directory, with the
/// answers of binutils (`objdump -t`, `addr2line`) to compare against.
struct CompiledFixture {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("sgsymbols-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    /// Writes `source` to `<name>.c` and runs `gcc <flags> <name>.c -o <output>`; returns the output path.
    @discardableResult
    func compile(_ source: String, name: String, output: String, flags: [String]) throws -> String {
        let sourcePath = path(name + ".c")
        try source.write(toFile: sourcePath, atomically: true, encoding: .utf8)
        _ = try Tool.run(["gcc"] + flags + [sourcePath, "-o", path(output)], in: directory)
        return path(output)
    }

    /// The defined function symbols of an ELF file (`objdump -t`).
    static func functions(of file: String) throws -> [ObjdumpFunction] {
        try Tool.run(["objdump", "-t", file]).split(separator: "\n").compactMap { line in
            // 0000000000401126 g     F .text	0000000000000018              helper
            let parts = line.split(separator: "\t")
            guard parts.count == 2, parts[0].contains(" F ") else { return nil }
            let left = parts[0].split(separator: " ", omittingEmptySubsequences: true)
            let right = parts[1].split(separator: " ", omittingEmptySubsequences: true)
            guard let value = UInt64(left[0], radix: 16), let section = left.last, right.count >= 2,
                let size = UInt64(right[0], radix: 16)
            else { return nil }
            return ObjdumpFunction(name: String(right[right.count - 1]), value: value, size: size, section: String(section))
        }
    }

    /// `addr2line -f` for one address (`section`: offset within that section of a relocatable object):
    /// function name and `file:line` (discriminator removed).
    static func addr2line(_ file: String, _ address: UInt64, section: String? = nil) throws -> (function: String, source: String) {
        var arguments = ["addr2line", "-f", "-e", file]
        if let section { arguments += ["-j", section] }
        let lines = try Tool.run(arguments + ["0x" + String(address, radix: 16)]).split(separator: "\n")
        let source = lines.count > 1 ? String(lines[1].split(separator: " ")[0]) : "??:0"
        return (String(lines.first ?? "??"), source)
    }
}

/// Test C code: a few functions of several lines each, so that offsets inside them map to different lines.
enum FixtureSources {
    static let program = """
        #include <stdio.h>
        void _text(void) {}
        int helper(int x) {
            int y = x * 2;
            y += 3;
            if (y > 10)
                y -= 7;
            return y;
        }
        static int quiet_add(int a, int b) {
            int s = a;
            s += b;
            return s;
        }
        int main(int argc, char **argv) {
            int r = helper(argc);
            r = quiet_add(r, argc);
            printf("%d\\n", r);
            return 0;
        }
        """

    static let module = """
        static int counter;
        int mod_alpha(int a) {
            counter += a;
            counter *= 3;
            return counter;
        }
        __attribute__((section(".text.unlikely"))) int mod_cold(int b) {
            int z = b + 1;
            z *= 7;
            return z;
        }
        int mod_beta(int c) {
            int v = mod_alpha(c);
            v += mod_cold(c);
            return v;
        }
        """
}
