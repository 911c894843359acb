#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks the ring-buffer page headers of a v6 trace.dat before libtracecmd reads it.
///
/// libtraceevent 1.7.1's kbuffer walks a page up to the size its header's commit word
/// claims: a corrupt commit larger than the page makes it read past the page and crash
/// (`trace-cmd report` crashes the same way). libtracecmd 3.1 does not expose the CPUs'
/// data offsets, so this walks the v6 headers itself to the flyrecord table (magic,
/// version, header page/event, ftrace and event formats, kallsyms, printk, cmdlines,
/// CPU count, options) and reads each page's commit word. v7 files (sections, often
/// compressed) are not checked.
struct TraceDatPageCheck {
    /// The first page of a CPU whose commit exceeds the page.
    struct BadPage: Equatable {
        var cpu: Int
        /// File offset of the bad page.
        var offset: Int
        var commit: UInt64
        /// Where the data of the page before it ends (page + header + commit size); nil when the
        /// bad page is the CPU's first.
        var previousEnd: Int?
    }

    var pageSize = 0
    var bad: [Int: BadPage] = [:]
    /// The flyrecord table: each CPU's data offset and length.
    var regions: [(offset: Int, length: Int)] = []
    /// The file's size.
    var fileSize = 0

    /// Where the file ends inside CPU data it claims (a truncated copy): the CPU, and the
    /// end of the last whole page before the cut (all of it can be read).
    var cut: (cpu: Int, wholePagesEnd: Int, claimedEnd: Int)? {
        guard let claimedEnd = regions.map({ $0.offset + $0.length }).max(), claimedEnd > fileSize, pageSize > 0 else { return nil }
        guard let cpu = regions.firstIndex(where: { $0.length > 0 && $0.offset + $0.length > fileSize }) else { return nil }
        let start = regions[cpu].offset
        let whole = fileSize > start ? start + (fileSize - start) / pageSize * pageSize : fileSize
        return (cpu, whole, claimedEnd)
    }

    private static let commitMask: UInt64 = (1 << 27) - 1

    /// nil when the file is not a v6 trace.dat whose headers this walk understands (nothing checked).
    static func scan(path: String) -> TraceDatPageCheck? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        var reader = Reader(fd: fd, size: Int(st.st_size))
        return try? reader.walk()
    }

    private struct Reader {
        let fd: Int32
        let size: Int
        var at = 0
        struct Stop: Error {}

        mutating func bytes(_ n: Int) throws -> [UInt8] {
            guard n >= 0, at + n <= size else { throw Stop() }
            var out = [UInt8](repeating: 0, count: n)
            let got = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress, n, off_t(at)) }
            guard got == n else { throw Stop() }
            at += n
            return out
        }

        mutating func u(_ n: Int) throws -> UInt64 {
            let b = try bytes(n)
            var v: UInt64 = 0
            for i in (0..<n).reversed() { v = v << 8 | UInt64(b[i]) } // little endian (checked below)
            return v
        }

        mutating func skip(_ n: UInt64) throws {
            guard n <= UInt64(size), at + Int(n) <= size else { throw Stop() }
            at += Int(n)
        }

        mutating func cString() throws -> [UInt8] {
            var out: [UInt8] = []
            while true {
                let b = try bytes(1)[0]
                if b == 0 { return out }
                out.append(b)
                guard out.count < 4096 else { throw Stop() }
            }
        }

        mutating func walk() throws -> TraceDatPageCheck? {
            guard try bytes(10) == [0x17, 0x08, 0x44] + Array("tracing".utf8) else { return nil }
            guard try cString() == Array("6".utf8) else { return nil }
            let bigEndian = try u(1)
            let longSize = Int(try u(1))
            guard bigEndian == 0, longSize == 8 || longSize == 4 else { return nil }
            let pageSize = Int(try u(4))
            guard pageSize >= 64, pageSize <= 1 << 20 else { return nil }
            guard try bytes(12) == Array("header_page\0".utf8) else { return nil }
            try skip(try u(8))
            guard try bytes(13) == Array("header_event\0".utf8) else { return nil }
            try skip(try u(8))
            for _ in 0..<(try u(4)) { try skip(try u(8)) } // ftrace formats
            for _ in 0..<(try u(4)) { // event systems
                _ = try cString()
                for _ in 0..<(try u(4)) { try skip(try u(8)) }
            }
            try skip(try u(4)) // kallsyms
            try skip(try u(4)) // printk
            try skip(try u(8)) // cmdlines
            let cpus = Int(try u(4))
            guard cpus > 0, cpus <= 8192 else { return nil }
            var label = try bytes(10)
            if label == Array("options  \0".utf8) {
                while true {
                    let id = try u(2)
                    if id == 0 { break }
                    try skip(try u(4))
                }
                label = try bytes(10)
            }
            guard label == Array("flyrecord\0".utf8) else { return nil }
            var check = TraceDatPageCheck()
            check.pageSize = pageSize
            check.fileSize = size
            let header = 8 + longSize
            var regions: [(Int, Int)] = []
            for _ in 0..<cpus { regions.append((Int(clamping: try u(8)), Int(clamping: try u(8)))) }
            check.regions = regions.map { (offset: $0.0, length: $0.1) }
            for (cpu, (offset, length)) in regions.enumerated() {
                var page = offset
                var previousEnd: Int? = nil
                while page + header <= min(offset + length, size) {
                    at = page + 8
                    let commit = try u(longSize)
                    let used = commit & TraceDatPageCheck.commitMask
                    if used > UInt64(pageSize - header) {
                        check.bad[cpu] = BadPage(cpu: cpu, offset: page, commit: commit, previousEnd: previousEnd)
                        break
                    }
                    previousEnd = page + header + Int(used)
                    page += pageSize
                }
            }
            return check
        }
    }
}
