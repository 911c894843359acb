import CZlib

/// Streams the decompressed bytes of a gzip input through zlib, member after
/// member (multi-member files as written by `cat a.gz b.gz` or pigz).
/// Truncation or corruption ends the stream with ``SourceRead/damaged(_:)``.
final class GzipSource: ByteSource {
    private var stream = z_stream()
    private let input: ByteSource
    private let inputBuffer: UnsafeMutablePointer<UInt8>
    private let inputCapacity = 1 << 18
    private var inputEnded = false
    private var finished = false
    private var pendingDamage: String?
    private var compressedIn: UInt64 = 0
    private var decompressedOut: UInt64 = 0

    init(input: ByteSource, path: String) throws(IngestError) {
        self.input = input
        inputBuffer = .allocate(capacity: inputCapacity)
        // 15 + 32: any window size, gzip or zlib header detected automatically.
        let ret = inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard ret == Z_OK else {
            inputBuffer.deallocate()
            throw IngestError.unreadable(path: path, reason: "cannot start the gzip decoder (zlib error \(ret))")
        }
    }

    deinit {
        inflateEnd(&stream)
        inputBuffer.deallocate()
    }

    /// Refills the input buffer when it is empty; false at the end of input.
    private func refill() -> Bool {
        if stream.avail_in > 0 { return true }
        if inputEnded { return false }
        switch input.read(into: inputBuffer, capacity: inputCapacity) {
        case .bytes(let n):
            stream.next_in = inputBuffer
            stream.avail_in = UInt32(n)
            compressedIn += UInt64(n)
            return true
        case .end:
            inputEnded = true
        case .damaged(let message):
            inputEnded = true
            pendingDamage = "gzip input \(message) after \(compressedIn) compressed bytes"
        case .interrupted:
            inputEnded = true
            interrupted = true
        }
        return false
    }

    private func fail(_ message: String, produced: Int) -> SourceRead {
        if pendingDamage == nil { pendingDamage = message }
        if produced > 0 { return .bytes(produced) }
        let damage = pendingDamage ?? message
        pendingDamage = nil
        finished = true
        return .damaged(damage)
    }

    /// The compressed input stopped because a signal asked for it.
    private var interrupted = false

    func read(into buffer: UnsafeMutablePointer<UInt8>, capacity: Int) -> SourceRead {
        if interrupted { return .interrupted }
        if let damage = pendingDamage, !inputEnded || stream.avail_in == 0 {
            pendingDamage = nil
            finished = true
            return .damaged(damage)
        }
        if finished { return .end }
        let chunk = min(capacity, Int(UInt32.max))
        stream.next_out = buffer
        stream.avail_out = UInt32(chunk)
        while true {
            let haveInput = refill()
            if interrupted { return .interrupted }
            let ret = inflate(&stream, Z_NO_FLUSH)
            let produced = chunk - Int(stream.avail_out)
            if ret == Z_STREAM_END {
                decompressedOut += UInt64(produced)
                // Another member may follow.
                if refill(), stream.next_in[0] == 0x1F {
                    inflateReset(&stream)
                    if produced > 0 { return .bytes(produced) }
                    continue
                }
                finished = true
                return produced > 0 ? .bytes(produced) : .end
            }
            if ret == Z_BUF_ERROR || (ret == Z_OK && !haveInput && produced == 0) {
                if !haveInput {
                    let used = compressedIn - UInt64(stream.avail_in)
                    return fail("gzip stream truncated after \(used) compressed bytes", produced: produced)
                }
                if produced > 0 { return .bytes(produced) }
                continue
            }
            if ret != Z_OK {
                let detail = stream.msg.map { String(cString: $0) } ?? "zlib error \(ret)"
                let used = compressedIn - UInt64(stream.avail_in)
                return fail("gzip data corrupt at compressed byte \(used): \(detail)", produced: produced)
            }
            if produced > 0 {
                return .bytes(produced)
            }
        }
    }
}
