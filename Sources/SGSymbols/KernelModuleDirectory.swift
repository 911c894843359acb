import Foundation

/// The `.ko` files under a directory (searched recursively, like `/lib/modules/<release>`), by module name.
///
/// Module names follow the kernel: the file name without `.ko[.xz|.gz|.zst]`, `-` read as `_`.
public struct KernelModuleDirectory: Sendable {
    /// The directory.
    public let path: String
    /// Module name → file path (the first one found when several files give the same name).
    public let files: [String: String]

    /// Indexes `path`. Throws when it is missing or not a directory.
    public init(path: String) throws(SymbolFileError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .missing(path: path) }
        guard isDirectory.boolValue else { throw .unreadable(path: path, reason: "not a directory") }
        var files: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: path)
        while let relative = enumerator?.nextObject() as? String {
            guard let name = Self.moduleName(ofFile: relative) else { continue }
            if files[name] == nil { files[name] = path + "/" + relative }
        }
        self.path = path
        self.files = files
    }

    /// `drivers/nvme/host/nvme-core.ko.xz` → `nvme_core`; nil for files that are not modules.
    public static func moduleName(ofFile path: String) -> String? {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        for suffix in [".ko", ".ko.xz", ".ko.gz", ".ko.zst"] where base.hasSuffix(suffix) && base.count > suffix.count {
            return String(base.dropLast(suffix.count)).replacingOccurrences(of: "-", with: "_")
        }
        return nil
    }
}
