import CLibElf
import CLibDW

/// Resolves kernel addresses to `function+0xoff` and `file:line` from a vmlinux
/// (and module ELF files) through elfutils' libdw.
public struct SymbolizerPlaceholder: Sendable {
    /// The elfutils version the module links against.
    public static var elfVersion: UInt32 { elf_version(UInt32(EV_CURRENT)) }
}
