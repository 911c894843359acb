#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to standard error without Foundation.
enum FileHandleStandardError {
    static func write(_ text: String) {
        var t = text
        t.withUTF8 { buf in _ = Glibc.write(2, buf.baseAddress, buf.count) }
    }
}
