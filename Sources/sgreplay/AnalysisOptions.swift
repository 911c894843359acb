import ArgumentParser

/// The threshold for a failing exit status (`--fail-on`).
enum FailOn: String, ExpressibleByArgument, CaseIterable {
    case error, warning, never
}

/// Options shared by `analyze` and `audit` (CONTRACTS.md).
struct AnalysisOptions: ParsableArguments {
    @Option(help: "Topology file (JSON) with device properties the trace does not carry.")
    var topology: String?

    @Option(help: "vmlinux (ELF, with or without DWARF) to resolve call sites.")
    var vmlinux: String?

    @Option(help: "Directory of kernel modules (*.ko) for module call sites.")
    var modules: String?

    @Option(help: "A /proc/kallsyms copy (module load addresses, or symbols without a vmlinux).")
    var kallsyms: String?

    @Option(name: .customLong("kaslr-offset"), help: "KASLR offset (hex): runtime address minus link address.")
    var kaslrOffset: String?

    @Option(help: "Replay the reconstructed inputs through this candidate model too (see 'sgreplay models').")
    var candidate: String?

    @Option(help: "Output directory (default reports/<trace-basename>/).")
    var out: String?

    @Option(help: "Comma-separated outputs: html,csv,json,sarif,junit (csv and json are always written).")
    var format: String = "html,csv,json"

    @Option(name: .customLong("fail-on"), help: "Exit 1 when a finding at or above this severity exists: error, warning or never.")
    var failOn: FailOn = .error

    @Option(name: .customLong("kernel"), help: "Kernel release whose mapper behaviour to model (default: topology kernel.release, else current upstream).")
    var kernel: String?

    @Option(name: .customLong("html-findings-per-kind"), help: "How many findings of each kind the HTML report shows (the CSV has all).")
    var htmlFindingsPerKind: Int = 50

    @Option(name: .customLong("limits"), help: "Segment limits that judge a device: given (the topology's, always; default) or learned (limits that reproduce the trace once the driver changed them at run time). A topology device's \"limits\" overrides this.")
    var limits: LimitsChoice = .given
}

/// `--limits`: which segment limits judge the outputs.
enum LimitsChoice: String, ExpressibleByArgument, CaseIterable {
    case given
    case learned
}
