import Foundation

/// One value of a parsed topology file with its JSON path, for reading typed
/// fields and saying exactly where a bad one is.
struct TopologyJSONValue {
    var value: Any
    /// `devices["0000:01:00.0"].iova_granule`.
    var path: String
    var file: String

    func failure(_ reason: String) -> TopologyFileError {
        TopologyFileError(file: file, jsonPath: path, reason: reason)
    }

    func child(_ key: String, of value: Any) -> TopologyJSONValue {
        let simple = key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } && !key.isEmpty
        let step = simple ? (path.isEmpty ? key : path + "." + key) : path + "[\"" + key + "\"]"
        return TopologyJSONValue(value: value, path: step, file: file)
    }

    /// The value's fields, rejecting any key not in `known`.
    func object(known: Set<String>? = nil) throws -> [(String, TopologyJSONValue)] {
        guard let dict = value as? [String: Any] else { throw failure("expected an object, found \(kind)") }
        var out: [(String, TopologyJSONValue)] = []
        for key in dict.keys.sorted() {
            let c = child(key, of: dict[key]!)
            if let known, !known.contains(key) {
                throw c.failure("unknown field (known: \(known.sorted().joined(separator: ", ")))")
            }
            out.append((key, c))
        }
        return out
    }

    func array() throws -> [TopologyJSONValue] {
        guard let list = value as? [Any] else { throw failure("expected an array, found \(kind)") }
        return list.enumerated().map { TopologyJSONValue(value: $1, path: path + "[\($0)]", file: file) }
    }

    func string() throws -> String {
        guard let s = value as? String else { throw failure("expected a string, found \(kind)") }
        return s
    }

    func bool() throws -> Bool {
        guard isBoolean, let b = value as? Bool else { throw failure("expected true or false, found \(kind)") }
        return b
    }

    /// A JSON integer or a `0x` hex (or decimal) string, as an unsigned 64-bit number.
    func number() throws -> UInt64 {
        if let s = value as? String {
            let t = s.trimmingCharacters(in: .whitespaces)
            let parsed = t.lowercased().hasPrefix("0x") ? UInt64(t.dropFirst(2), radix: 16) : UInt64(t)
            guard let v = parsed else { throw failure("\"\(s)\" is not a number (use an integer or a \"0x\" hex string)") }
            return v
        }
        guard !isBoolean, let n = value as? NSNumber else { throw failure("expected a number, found \(kind)") }
        guard let v = UInt64(n.stringValue) else { throw failure("\(n.stringValue) is not a non-negative integer") }
        return v
    }

    /// `number()` limited to `range`.
    func number(in range: ClosedRange<UInt64>, _ what: String) throws -> UInt64 {
        let v = try number()
        guard range.contains(v) else { throw failure("\(what) must be \(range.lowerBound)…\(range.upperBound), got \(v)") }
        return v
    }

    /// One of the raw values of `T`.
    func choice<T: RawRepresentable>(_ allowed: [T]) throws -> T where T.RawValue == String {
        let s = try string()
        guard let v = allowed.first(where: { $0.rawValue == s.lowercased() }) else {
            throw failure("\"\(s)\" is not one of \(allowed.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
        }
        return v
    }

    private var isBoolean: Bool {
        String(describing: type(of: value)).contains("Boolean") || value is Bool && !(value is NSNumber)
    }

    private var kind: String {
        switch value {
        case is String: return "a string"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        case is NSNull: return "null"
        default: return isBoolean ? "a boolean" : "a number"
        }
    }
}
