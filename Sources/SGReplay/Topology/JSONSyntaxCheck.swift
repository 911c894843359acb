/// A strict JSON syntax check (RFC 8259) that says where the first error is by
/// line and column (1-based, columns in characters), in words a user can act on:
/// trailing commas, comments, single quotes, unquoted keys, a missing comma.
/// `JSONSerialization` reports character offsets and, on some platforms, accepts
/// what RFC 8259 does not; topology files are checked with this first.
struct JSONSyntaxCheck {
    struct Failure: Error, Equatable {
        var line: Int
        var column: Int
        var reason: String
    }

    private let bytes: [UInt8]
    private var i = 0

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Nil when `bytes` is one well-formed JSON value (with optional surrounding white space).
    static func check(_ bytes: [UInt8]) -> Failure? {
        var checker = JSONSyntaxCheck(bytes)
        do {
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { checker.i = 3 }
            checker.skipSpace()
            guard checker.i < bytes.count else { throw checker.fail("the file is empty (a topology file is a JSON object: {})") }
            try checker.value(depth: 0)
            checker.skipSpace()
            if checker.i < bytes.count { throw checker.fail("unexpected \(checker.describeHere()) after the end of the JSON value") }
            return nil
        } catch let failure as Failure {
            return failure
        } catch {
            return Failure(line: 1, column: 1, reason: "\(error)")
        }
    }

    /// Line and column (1-based) of byte `offset`; columns count characters (UTF-8 lead bytes).
    func position(_ offset: Int) -> (line: Int, column: Int) {
        var line = 1, column = 1
        for b in bytes[..<min(offset, bytes.count)] {
            if b == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }

    private func fail(_ reason: String, at offset: Int? = nil) -> Failure {
        let p = position(offset ?? i)
        return Failure(line: p.line, column: p.column, reason: reason)
    }

    private func describeHere() -> String {
        guard i < bytes.count else { return "end of file" }
        let b = bytes[i]
        if b >= 0x21, b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        return b < 0x80 ? "character 0x\(String(b, radix: 16))" : "non-ASCII character"
    }

    private mutating func skipSpace() {
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
    }

    private mutating func value(depth: Int) throws {
        guard depth < 512 else { throw fail("nested too deeply") }
        skipSpace()
        guard i < bytes.count else { throw fail("the file ends where a value is expected") }
        switch bytes[i] {
        case UInt8(ascii: "{"): try object(depth: depth)
        case UInt8(ascii: "["): try array(depth: depth)
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "-"), UInt8(ascii: "0") ... UInt8(ascii: "9"): try number()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "/"): throw fail("comments are not allowed in JSON")
        case UInt8(ascii: "'"): throw fail("strings take double quotes (\"), not single quotes")
        default: throw fail("unexpected \(describeHere()) where a value is expected")
        }
    }

    private mutating func object(depth: Int) throws {
        i += 1
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return }
        while true {
            skipSpace()
            guard i < bytes.count else { throw fail("the file ends inside an object (missing '}')") }
            switch bytes[i] {
            case UInt8(ascii: "\""): try string()
            case UInt8(ascii: "}"): throw fail("trailing comma before '}' (JSON allows no comma after the last member)", at: lastComma)
            case UInt8(ascii: "/"): throw fail("comments are not allowed in JSON")
            case UInt8(ascii: "'"): throw fail("keys take double quotes (\"), not single quotes")
            default: throw fail("unexpected \(describeHere()) where a key in double quotes is expected")
            }
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':' after the key, found \(describeHere())") }
            i += 1
            try value(depth: depth + 1)
            skipSpace()
            guard i < bytes.count else { throw fail("the file ends inside an object (missing '}')") }
            if bytes[i] == UInt8(ascii: ",") { lastComma = i; i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; return }
            throw fail("expected ',' or '}' after a member, found \(describeHere()) (a missing comma?)")
        }
    }

    private var lastComma = 0

    private mutating func array(depth: Int) throws {
        i += 1
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return }
        while true {
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
                throw fail("trailing comma before ']' (JSON allows no comma after the last element)", at: lastComma)
            }
            try value(depth: depth + 1)
            skipSpace()
            guard i < bytes.count else { throw fail("the file ends inside an array (missing ']')") }
            if bytes[i] == UInt8(ascii: ",") { lastComma = i; i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return }
            throw fail("expected ',' or ']' after an element, found \(describeHere()) (a missing comma?)")
        }
    }

    private mutating func string() throws {
        let start = i
        i += 1
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") { i += 1; return }
            if b < 0x20 { throw fail(b == 0x0A ? "a line break inside a string (the string's closing quote is missing?)" : "a control character inside a string") }
            if b == UInt8(ascii: "\\") {
                i += 1
                guard i < bytes.count else { break }
                switch bytes[i] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"): i += 1
                case UInt8(ascii: "u"):
                    let hex = bytes[min(i + 1, bytes.count)..<min(i + 5, bytes.count)]
                    guard hex.count == 4, hex.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }) else {
                        throw fail("\\u needs four hex digits")
                    }
                    i += 5
                default: throw fail("unknown escape \\\(describeHere()) in a string")
                }
                continue
            }
            i += 1
        }
        throw fail("a string that never ends (missing closing '\"')", at: start)
    }

    private mutating func number() throws {
        let start = i
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        func digits() -> Int {
            let s = i
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
            return i - s
        }
        guard i < bytes.count else { throw fail("a number that ends at '-'", at: start) }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "x") || bytes[i] == UInt8(ascii: "X") {
                throw fail("hex numbers go in strings (\"0x…\"), not bare", at: start)
            }
            if i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { throw fail("numbers have no leading zeros", at: start) }
        } else if digits() == 0 {
            throw fail("a number needs digits", at: start)
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            if digits() == 0 { throw fail("a number needs digits after '.'", at: start) }
        }
        if i < bytes.count, bytes[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            if digits() == 0 { throw fail("a number needs digits in its exponent", at: start) }
        }
    }

    private mutating func literal(_ word: String) throws {
        let w = Array(word.utf8)
        guard bytes.count >= i + w.count, Array(bytes[i..<i + w.count]) == w else {
            throw fail("unexpected \(describeHere()) (strings and keys take double quotes)")
        }
        i += w.count
    }
}
