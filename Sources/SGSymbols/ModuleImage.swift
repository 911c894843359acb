/// A kernel module's `.ko` loaded through libdwfl, with its sections placed at their runtime addresses,
/// resolving runtime addresses inside the module to function, offset and (with DWARF) source line.
///
/// Not thread-safe (libdwfl is not): owners serialise access.
final class ModuleImage {
    /// Module name as the kernel spells it (`nvme_core`).
    let name: String
    let image: DwflImage
    let placements: [ModuleSectionPlacement]

    init(name: String, path: String, kallsyms: KallsymsTable?, loadBase: UInt64?) throws(SymbolFileError) {
        self.name = name
        self.image = try DwflImage(path: path, allowCompressed: true)
        self.placements = ModuleSectionPlacement.place(image: image, module: name, kallsyms: kallsyms, loadBase: loadBase)
    }

    /// The module's location of a runtime address, when a placed section contains it.
    func resolve(_ address: UInt64) -> SymbolLocation? {
        guard let placement = placements.first(where: { $0.containsRuntime(address) }),
            let info = image.info(at: placement.dwflAddress(ofRuntime: address))
        else { return nil }
        return info.location(module: name)
    }
}
