/// An append-only byte buffer for writing trace text fast (no `String`
/// formatting), handed to a sink in large chunks.
final class TextWriter {
    private let capacity = 8 << 20
    /// Room always left for one line (the longest generated line is ~15 KiB).
    private let lineRoom = 64 << 10
    private let buffer: UnsafeMutablePointer<UInt8>
    private var position = 0
    private let sink: (UnsafeRawBufferPointer) throws -> Void
    /// Bytes handed to the sink so far plus those still buffered.
    var bytesWritten: UInt64 { flushed + UInt64(position) }
    private var flushed: UInt64 = 0

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    init(sink: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        self.sink = sink
        buffer = .allocate(capacity: capacity)
    }

    deinit { buffer.deallocate() }

    /// Makes sure a whole line fits; flushes the buffer when it is nearly full.
    func beginLine() throws {
        if position + lineRoom > capacity { try flush() }
    }

    func flush() throws {
        guard position > 0 else { return }
        try sink(UnsafeRawBufferPointer(start: buffer, count: position))
        flushed += UInt64(position)
        position = 0
    }

    func byte(_ b: UInt8) {
        buffer[position] = b
        position += 1
    }

    func text(_ s: StaticString) {
        (buffer + position).update(from: s.utf8Start, count: s.utf8CodeUnitCount)
        position += s.utf8CodeUnitCount
    }

    func bytes(_ b: [UInt8]) {
        b.withUnsafeBufferPointer { (buffer + position).update(from: $0.baseAddress!, count: $0.count) }
        position += b.count
    }

    /// `%llx` (no `0x`).
    func hex(_ v: UInt64) {
        var digits = 1
        var x = v >> 4
        while x != 0 { digits += 1; x >>= 4 }
        var i = digits
        x = v
        while i > 0 {
            i -= 1
            buffer[position + i] = TextWriter.hexDigits[Int(x & 0xF)]
            x >>= 4
        }
        position += digits
    }

    /// `0x%016llx`.
    func hex16(_ v: UInt64) {
        text("0x")
        for shift in stride(from: 60, through: 0, by: -4) {
            buffer[position] = TextWriter.hexDigits[Int((v >> UInt64(shift)) & 0xF)]
            position += 1
        }
    }

    /// `%llu`, right-aligned to `width` with spaces or zeros.
    func decimal(_ v: UInt64, width: Int = 0, zeroPad: Bool = false) {
        var digits = 1
        var x = v / 10
        while x != 0 { digits += 1; x /= 10 }
        if width > digits {
            for _ in 0..<(width - digits) { byte(zeroPad ? 0x30 : 0x20) }
        }
        var i = digits
        x = v
        while i > 0 {
            i -= 1
            buffer[position + i] = UInt8(0x30 + x % 10)
            x /= 10
        }
        position += digits
    }

    /// `{0x…,0x…}` as `__print_array` prints it.
    func array(_ values: ArraySlice<UInt64>) {
        byte(0x7B)
        var first = true
        for v in values {
            if !first { byte(0x2C) }
            first = false
            text("0x")
            hex(v)
        }
        byte(0x7D)
    }

    /// Pads with spaces to `width` after writing `b` (`%-7d`-style left alignment).
    func padded(_ b: [UInt8], leftAlignedTo width: Int) {
        bytes(b)
        if b.count < width { for _ in 0..<(width - b.count) { byte(0x20) } }
    }
}
