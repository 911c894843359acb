import CLZMA

/// Streams the decompressed bytes of an xz input through liblzma
/// (concatenated streams accepted). Truncation or corruption ends the stream
/// with ``SourceRead/damaged(_:)`` after everything decodable was handed out.
final class XZSource: ByteSource {
    private var stream = lzma_stream()
    private let input: ByteSource
    private let inputBuffer: UnsafeMutablePointer<UInt8>
    private let inputCapacity = 1 << 18
    private var inputEnded = false
    private var finished = false
    private var pendingDamage: String?

    init(input: ByteSource, path: String) throws(IngestError) {
        self.input = input
        inputBuffer = .allocate(capacity: inputCapacity)
        // 0x08 = LZMA_CONCATENATED (a macro Swift does not import).
        let ret = lzma_stream_decoder(&stream, UInt64.max, 0x08)
        guard ret == LZMA_OK else {
            inputBuffer.deallocate()
            throw IngestError.unreadable(path: path, reason: "cannot start the xz decoder (liblzma error \(ret.rawValue))")
        }
    }

    deinit {
        lzma_end(&stream)
        inputBuffer.deallocate()
    }

    func read(into buffer: UnsafeMutablePointer<UInt8>, capacity: Int) -> SourceRead {
        if let damage = pendingDamage {
            pendingDamage = nil
            finished = true
            return .damaged(damage)
        }
        if finished { return .end }
        stream.next_out = buffer
        stream.avail_out = capacity
        while true {
            if stream.avail_in == 0 && !inputEnded {
                switch input.read(into: inputBuffer, capacity: inputCapacity) {
                case .bytes(let n):
                    stream.next_in = UnsafePointer(inputBuffer)
                    stream.avail_in = n
                case .end:
                    inputEnded = true
                case .damaged(let message):
                    inputEnded = true
                    pendingDamage = "xz input \(message) after \(stream.total_in) compressed bytes"
                case .interrupted:
                    // Stopped by a signal: no damage, no further output.
                    finished = true
                    return .interrupted
                }
            }
            let ret = lzma_code(&stream, inputEnded ? LZMA_FINISH : LZMA_RUN)
            let produced = capacity - stream.avail_out
            if ret == LZMA_STREAM_END {
                finished = true
                return produced > 0 ? .bytes(produced) : .end
            }
            if ret != LZMA_OK {
                let message: String
                if ret == LZMA_BUF_ERROR && inputEnded {
                    message = "xz stream truncated after \(stream.total_in) compressed bytes (\(stream.total_out) bytes decompressed)"
                } else if ret == LZMA_DATA_ERROR || ret == LZMA_FORMAT_ERROR {
                    message = "xz data corrupt at compressed byte \(stream.total_in) (\(stream.total_out) bytes decompressed)"
                } else {
                    message = "xz decoding failed (liblzma error \(ret.rawValue)) at compressed byte \(stream.total_in)"
                }
                if let earlier = pendingDamage { pendingDamage = earlier } else { pendingDamage = message }
                if produced > 0 { return .bytes(produced) }
                let damage = pendingDamage ?? message
                pendingDamage = nil
                finished = true
                return .damaged(damage)
            }
            if produced > 0 { return .bytes(produced) }
        }
    }
}
