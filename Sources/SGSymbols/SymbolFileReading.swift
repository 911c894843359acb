import Foundation

/// Reads symbol source files, mapping failures to `SymbolFileError`s that name the file.
enum SymbolFileReading {
    /// The whole file's bytes.
    static func contents(of path: String) throws(SymbolFileError) -> [UInt8] {
        try checkExists(path)
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { try? handle.close() }
        do {
            return [UInt8](try handle.readToEnd() ?? Data())
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
    }

    /// Throws `.missing` when `path` does not exist and `.unreadable` when it is a directory.
    static func checkExists(_ path: String) throws(SymbolFileError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .missing(path: path)
        }
        if isDirectory.boolValue { throw .unreadable(path: path, reason: "is a directory") }
    }

    /// Checks that `path` is an ELF file (or, with `allowCompressed`, an xz/gzip/zstd/bzip2 file, as modules may be).
    static func checkELF(_ path: String, allowCompressed: Bool = false) throws(SymbolFileError) {
        try checkExists(path)
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { try? handle.close() }
        let magic: [UInt8]
        do {
            magic = [UInt8](try handle.read(upToCount: 6) ?? Data())
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        if magic.starts(with: [0x7F, 0x45, 0x4C, 0x46]) { return }
        if allowCompressed && compressionMagics.contains(where: { magic.starts(with: $0) }) { return }
        throw .notELF(path: path)
    }

    /// xz, gzip, zstd, bzip2: the compressions elfutils can open (when built with them).
    private static let compressionMagics: [[UInt8]] = [
        [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], [0x1F, 0x8B], [0x28, 0xB5, 0x2F, 0xFD], [0x42, 0x5A, 0x68],
    ]
}
