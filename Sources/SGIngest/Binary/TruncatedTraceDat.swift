#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A v6 trace.dat cut short (a copy interrupted, a disk full): libtracecmd 3.1 refuses the
/// whole file when a CPU's data ends past the end of the file. The records before the cut are
/// read from a temporary copy (under `TMPDIR`, removed after the read) that keeps the file's
/// whole pages and is zero-filled up to the length the flyrecord table claims: a zero page
/// has no events, so each CPU's records simply end where the file did.
enum TruncatedTraceDat {
    static let prefix: String = (getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp") + "/sgreplay-truncated-"

    /// The padded copy's path, or nil when it could not be made.
    static func pad(_ path: String, keeping: Int, to length: Int) -> String? {
        guard keeping >= 0, length > keeping else { return nil }
        let input = open(path, O_RDONLY)
        guard input >= 0 else { return nil }
        defer { close(input) }
        var template = Array((prefix + "XXXXXX").utf8CString)
        let output = mkstemp(&template)
        guard output >= 0 else { return nil }
        defer { close(output) }
        let copy = String(cString: template)
        let capacity = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var done = 0
        while done < keeping {
            let n = read(input, buffer, min(capacity, keeping - done))
            guard n > 0, write(output, buffer, n) == n else { unlink(copy); return nil }
            done += n
        }
        guard ftruncate(output, off_t(length)) == 0 else { unlink(copy); return nil }
        return copy
    }
}
