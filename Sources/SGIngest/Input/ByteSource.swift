#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The outcome of one read from a ``ByteSource``.
enum SourceRead {
    /// This many bytes were written to the buffer.
    case bytes(Int)
    /// The stream ended normally.
    case end
    /// The stream ended part-way (truncated or corrupt); the message says how.
    case damaged(String)
    /// Reading stopped because a signal asked for it (``InputInterruption``).
    case interrupted
}

/// A stream of bytes read into caller-provided buffers (file, decompressor).
protocol ByteSource: AnyObject {
    func read(into buffer: UnsafeMutablePointer<UInt8>, capacity: Int) -> SourceRead
}

/// A file descriptor read with read(2): a path or standard input (`-`), which
/// may be a live `trace_pipe` (no seeking). The first bytes are peeked for
/// format detection and handed out again by the first reads.
final class DescriptorSource: ByteSource {
    private let fd: Int32
    private let ownsDescriptor: Bool
    /// Bytes read ahead for format detection, not yet handed out.
    private(set) var peeked: [UInt8] = []
    private var peekedOffset = 0

    /// Opens `path` (`-` for standard input) and peeks at its first bytes.
    /// - Throws: ``IngestError/unreadable(path:reason:)`` when it cannot be opened or read.
    init(path: String) throws(IngestError) {
        if path == "-" {
            fd = 0
            ownsDescriptor = false
        } else {
            let opened = open(path, O_RDONLY | O_CLOEXEC)
            guard opened >= 0 else {
                throw IngestError.unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            var info = stat()
            if fstat(opened, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
                close(opened)
                throw IngestError.unreadable(path: path, reason: "is a directory, not a trace file")
            }
            fd = opened
            ownsDescriptor = true
        }
        var head = [UInt8](repeating: 0, count: 16)
        var have = 0
        while have < head.count {
            let n = head.withUnsafeMutableBufferPointer { buf in
                Glibc.read(fd, buf.baseAddress! + have, buf.count - have)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                if ownsDescriptor { close(fd) }
                throw IngestError.unreadable(path: path, reason: reason)
            }
            if n == 0 { break }
            have += n
        }
        peeked = Array(head[0..<have])
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    func read(into buffer: UnsafeMutablePointer<UInt8>, capacity: Int) -> SourceRead {
        if peekedOffset < peeked.count {
            let n = min(capacity, peeked.count - peekedOffset)
            peeked.withUnsafeBufferPointer { buf in
                (buffer).update(from: buf.baseAddress! + peekedOffset, count: n)
            }
            peekedOffset += n
            return .bytes(n)
        }
        while true {
            // A stop asked for before this read, or while it waits: a quiet pipe is polled in
            // short slices so a signal that lands between the check and the read still ends it.
            if InputInterruption.isRequested { return .interrupted }
            var waiting = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&waiting, 1, 100)
            if ready == 0 || (ready < 0 && errno == EINTR) { continue }  // timeout or a signal: check the flag again
            let n = Glibc.read(fd, buffer, capacity)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .end }
            if errno == EINTR {
                if InputInterruption.isRequested { return .interrupted }
                continue
            }
            return .damaged("read failed: \(String(cString: strerror(errno)))")
        }
    }
}
