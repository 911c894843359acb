#if canImport(Glibc)
import Glibc
#endif

/// The fuzzer's bytes as a file path the readers open like any other: one file on
/// tmpfs (`/dev/shm`, in memory) per process, rewritten for each input and removed
/// when the process ends normally.
public struct MemoryFile {
    nonisolated(unsafe) private static var fd: Int32 = -1
    nonisolated(unsafe) private static var shared = ""

    public let path: String

    public init(_ data: UnsafePointer<UInt8>, _ size: Int) {
        if Self.fd < 0 {
            Self.shared = "/dev/shm/sgreplay-fuzz-\(getpid())"
            Self.fd = open(Self.shared, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            precondition(Self.fd >= 0, "cannot create \(Self.shared)")
            atexit { unlink(MemoryFile.shared) }
        }
        precondition(ftruncate(Self.fd, 0) == 0)
        var written = 0
        while written < size {
            let n = pwrite(Self.fd, data + written, size - written, off_t(written))
            precondition(n > 0, "write to \(Self.shared) failed")
            written += n
        }
        path = Self.shared
    }
}
