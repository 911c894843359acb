/// What sgreplay's own walk of a v6 trace.dat's headers finds (``TraceDatPageCheck``), before
/// libtracecmd reads the file: the page size, the CPUs' data regions, the pages whose header
/// claims more data than a page holds, and whether the file ends inside the data it claims.
///
/// Public so that the fuzzing package (`Fuzz/`, target `FuzzTraceDat`) can drive this walk,
/// the part of the trace.dat path that parses bytes in sgreplay's own code.
public struct TraceDatLayout: Sendable, Equatable {
    public var pageSize: Int
    /// Each CPU's data offset and length, from the flyrecord table.
    public var regions: [Region]
    /// CPUs with a page whose commit word exceeds the page.
    public var cpusWithBadPages: [Int]
    /// The file ends inside the CPU data it claims.
    public var truncated: Bool

    public struct Region: Sendable, Equatable {
        public var offset: Int
        public var length: Int
    }

    /// nil when `path` is not a v6 trace.dat whose headers the walk understands.
    public static func scan(path: String) -> TraceDatLayout? {
        guard let check = TraceDatPageCheck.scan(path: path) else { return nil }
        return TraceDatLayout(pageSize: check.pageSize,
                              regions: check.regions.map { Region(offset: $0.offset, length: $0.length) },
                              cpusWithBadPages: check.bad.keys.sorted(),
                              truncated: check.cut != nil)
    }
}
