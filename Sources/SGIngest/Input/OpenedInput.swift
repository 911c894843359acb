/// An input opened for reading: its byte source with decompression applied.
struct OpenedInput {
    var source: ByteSource
    var format: InputFormat

    /// Opens `path` (`-` = standard input), detects the format from its magic
    /// bytes and stacks the decompressor on top.
    static func open(_ path: String) throws(IngestError) -> OpenedInput {
        let file = try DescriptorSource(path: path)
        let format = try InputFormat.detect(file.peeked, path: path)
        switch format {
        case .text, .traceDat: return OpenedInput(source: file, format: format)
        case .xz: return OpenedInput(source: try XZSource(input: file, path: path), format: format)
        case .gzip: return OpenedInput(source: try GzipSource(input: file, path: path), format: format)
        }
    }
}
