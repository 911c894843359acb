/// What an input's first bytes say it is (never judged by its name).
enum InputFormat: Equatable {
    case text
    case xz
    case gzip
    /// trace-cmd's binary `trace.dat` (`\x17\x08\x44tracing`), read through libtracecmd.
    case traceDat

    /// Classifies `head`; throws for binary formats that must be converted first.
    static func detect(_ head: [UInt8], path: String) throws(IngestError) -> InputFormat {
        func starts(_ magic: [UInt8]) -> Bool { head.count >= magic.count && Array(head[0..<magic.count]) == magic }
        if starts([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return .xz }
        if starts([0x1F, 0x8B]) { return .gzip }
        if starts(traceDatMagic) {
            // libtracecmd seeks and maps the file: a pipe cannot be read.
            guard path != "-" else {
                throw IngestError.unreadable(
                    path: path,
                    reason: "is a binary trace-cmd data file (trace.dat) on standard input; pass it as a file (it is read directly), or convert it with `trace-cmd report -i FILE`")
            }
            return .traceDat
        }
        try rejectBinary(head, path: path)
        return .text
    }

    static let traceDatMagic: [UInt8] = [0x17, 0x08, 0x44] + Array("tracing".utf8)

    /// Throws a conversion hint for trace-cmd `.dat`, `perf.data` and other
    /// binary containers that are not text traces.
    static func rejectBinary(_ head: [UInt8], path: String) throws(IngestError) {
        let file = path == "-" ? "FILE" : path // standard input: name a placeholder
        func starts(_ magic: [UInt8]) -> Bool { head.count >= magic.count && Array(head[0..<magic.count]) == magic }
        if starts(traceDatMagic) {
            // Only inside xz/gzip on standard input: a plain trace.dat is read directly
            // (``TraceDatIngest``), a compressed file through a temporary copy (``CompressedTraceDat``).
            throw IngestError.unreadable(
                path: path,
                reason: "is a compressed binary trace-cmd data file (trace.dat) on standard input; pass it as a file (trace.dat.xz and .gz are read directly), or convert it with `trace-cmd report -i \(file) > trace.txt`")
        }
        if starts(Array("PERFILE2".utf8)) || starts(Array("PERFFILE".utf8)) {
            throw IngestError.unreadable(
                path: path,
                reason: "is a binary perf.data file, not text; convert it first with `perf script -i \(file) > trace.txt` (add -g for call chains) and pass the text")
        }
        if starts([0x28, 0xB5, 0x2F, 0xFD]) {
            throw IngestError.unreadable(path: path, reason: "is zstd-compressed, which is not supported; decompress it with `zstd -d` (xz and gzip are read directly)")
        }
        if starts(Array("BZh".utf8)) {
            throw IngestError.unreadable(path: path, reason: "is bzip2-compressed, which is not supported; decompress it with `bunzip2` (xz and gzip are read directly)")
        }
    }
}
