/// A topology file that cannot be used: which file, where in the JSON, and why.
public struct TopologyFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file as given by the user.
    public var file: String
    /// JSON path of the bad value (`devices["0000:01:00.0"].iova_granule`); empty for the whole file.
    public var jsonPath: String
    public var reason: String

    public init(file: String, jsonPath: String, reason: String) {
        self.file = file
        self.jsonPath = jsonPath
        self.reason = reason
    }

    public var description: String {
        jsonPath.isEmpty ? "\(file): \(reason)" : "\(file): \(jsonPath): \(reason)"
    }
}
