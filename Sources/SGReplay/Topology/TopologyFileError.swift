/// A topology file that cannot be used: which file, where in the JSON, and why.
public struct TopologyFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file as given by the user.
    public var file: String
    /// JSON path of the bad value (`devices["0000:01:00.0"].iova_granule`); empty for the whole file.
    public var jsonPath: String
    public var reason: String
    /// Where a syntax error is: 1-based line and column (characters), when known.
    public var line: Int?
    public var column: Int?
    /// The file could not be read at all (`cannot read FILE: no such file`).
    public var unreadable = false

    public init(file: String, jsonPath: String, reason: String) {
        self.file = file
        self.jsonPath = jsonPath
        self.reason = reason
    }

    /// A JSON syntax error at `line`:`column` of `file`.
    public init(file: String, line: Int, column: Int, reason: String) {
        self.init(file: file, jsonPath: "", reason: reason)
        self.line = line
        self.column = column
    }

    /// A file that cannot be read (`reason` in plain words: `no such file`, `permission denied`).
    public init(unreadable file: String, reason: String) {
        self.init(file: file, jsonPath: "", reason: reason)
        unreadable = true
    }

    /// `cannot read FILE: no such file`; `FILE:3:17: not valid JSON: …`; `FILE: devices["x"].iova_granule: …`.
    public var description: String {
        if unreadable { return "cannot read \(file): \(reason)" }
        if let line, let column { return "\(file):\(line):\(column): \(reason)" }
        return jsonPath.isEmpty ? "\(file): \(reason)" : "\(file): \(jsonPath): \(reason)"
    }
}
