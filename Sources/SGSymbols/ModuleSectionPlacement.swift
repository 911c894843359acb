/// Where one section of a `.ko` lies at run time.
///
/// The kernel's module loader places every allocated section separately, so each section needs its
/// own runtime address. It is derived from kallsyms (a function of the section found in both the
/// `.ko` symbol table and kallsyms gives `runtime − section offset`), or, with only the module's
/// load base (`/proc/modules`), `.text` is assumed to start at that base — an approximation
/// (`isApproximate`) that holds on common layouts but not always.
struct ModuleSectionPlacement: Sendable, Hashable {
    /// The section in libdwfl's layout of the `.ko`.
    var section: ELFSection
    /// Runtime address of the section's first byte.
    var runtimeStart: UInt64
    /// Matching functions that agreed on `runtimeStart` (0 when approximated from the module base).
    var votes: Int

    var isApproximate: Bool { votes == 0 }

    func containsRuntime(_ address: UInt64) -> Bool {
        address >= runtimeStart && address - runtimeStart < section.size
    }

    /// libdwfl address of a runtime address inside the section.
    func dwflAddress(ofRuntime address: UInt64) -> UInt64 {
        section.address &+ (address &- runtimeStart)
    }

    /// Places the sections of `image` (module `module`) from kallsyms symbol matches, then, for a
    /// `.text` still unplaced, at `loadBase`.
    static func place(
        image: DwflImage, module: String, kallsyms: KallsymsTable?, loadBase: UInt64?
    ) -> [ModuleSectionPlacement] {
        let sections = image.allocatedSections()
        var placements: [ModuleSectionPlacement] = []
        if let kallsyms {
            let functions = image.functionSymbols()
            var nameCounts: [String: Int] = [:]
            for function in functions { nameCounts[function.name, default: 0] += 1 }
            let runtimeByName = kallsyms.addressesByName(inModule: module)
            var votes: [Int: [UInt64: Int]] = [:]  // section index → runtime start → votes
            for function in functions where nameCounts[function.name] == 1 {
                guard let runtime = runtimeByName[function.name], runtime.count == 1, let section = sections.first(where: { $0.index == function.sectionIndex })
                else { continue }
                let start = runtime[0] &- (function.address &- section.address)
                votes[section.index, default: [:]][start, default: 0] += 1
            }
            for section in sections {
                guard let best = votes[section.index]?.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }) else { continue }
                placements.append(ModuleSectionPlacement(section: section, runtimeStart: best.key, votes: best.value))
            }
        }
        if let loadBase, !placements.contains(where: { $0.section.name == ".text" }),
            let text = sections.first(where: { $0.name == ".text" })
        {
            placements.append(ModuleSectionPlacement(section: text, runtimeStart: loadBase, votes: 0))
        }
        return placements
    }
}
