#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A trace.dat inside xz or gzip (`trace.dat.xz`, as the lab stores its captures): libtracecmd
/// seeks in the file, so the decompressed bytes go to a temporary file (under `TMPDIR`, removed
/// after the read) that ``TraceDatIngest`` then reads; messages name the compressed file.
enum CompressedTraceDat {
    /// The decompressed copy, and how the compressed stream ended (nil: normally).
    struct Unpacked {
        let file: String
        let damage: String?
    }

    /// Decompresses `input` into a temporary file when its first bytes are a trace.dat's;
    /// nil (with `input` partly read: open it again) when they are not.
    static func unpack(_ input: OpenedInput, path: String) throws(IngestError) -> Unpacked? {
        let capacity = 1 << 18
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var filled = 0
        var ended: SourceRead?
        let magic = InputFormat.traceDatMagic
        while filled < magic.count {
            let r = input.source.read(into: buffer + filled, capacity: capacity - filled)
            guard case .bytes(let n) = r else { ended = r; break }
            filled += n
        }
        guard filled >= magic.count, Array(UnsafeBufferPointer(start: buffer, count: magic.count)) == magic else { return nil }

        let dir = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array((dir + "/sgreplay-tracedat-XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else {
            throw .unreadable(path: path, reason: "is a compressed trace.dat, and no temporary file could be made in \(dir) to decompress it into: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let file = String(cString: template)
        func writeAll(_ count: Int) -> Bool {
            var done = 0
            while done < count {
                let w = write(fd, buffer + done, count - done)
                if w < 0 { if errno == EINTR { continue }; return false }
                done += w
            }
            return true
        }
        var damage: String?
        while true {
            guard writeAll(filled) else {
                let reason = String(cString: strerror(errno))
                unlink(file)
                throw .unreadable(path: path, reason: "is a compressed trace.dat, and decompressing it into \(file) failed: \(reason)")
            }
            filled = 0
            if let ended {
                if case .damaged(let message) = ended { damage = message }
                if case .interrupted = ended { damage = "decompression interrupted by a signal" }
                break
            }
            let r = input.source.read(into: buffer, capacity: capacity)
            if case .bytes(let n) = r { filled = n } else { ended = r }
        }
        return Unpacked(file: file, damage: damage)
    }
}
