import Foundation

/// Builds event lines exactly as a 6.18 kernel's `trace` file prints them
/// (`trace_print_context` with the default `irq-info` option).
public enum ExampleLine {
    /// `<comm>-<pid> [cpu] ..... secs.usecs: <body>`
    public static func at(_ time: Double, cpu: Int = 1, comm: String = "kworker/1:1H", pid: Int = 231, flags: String = ".....", _ body: String) -> String {
        let padded = String(repeating: " ", count: max(0, 16 - comm.count)) + comm
        let pidText = String(pid) + String(repeating: " ", count: max(0, 7 - String(pid).count))
        let cpuText = String(format: "%03d", cpu)
        let micros = Int64((time * 1e6).rounded())
        let stamp = String(format: "%5lld.%06lld", micros / 1_000_000, micros % 1_000_000)
        return "\(padded)-\(pidText) [\(cpuText)] \(flags) \(stamp): \(body)"
    }

    /// `map: IOMMU: iova=… - … paddr=… size=…` (v5.17+ layout).
    public static func iommuMap(_ time: Double, cpu: Int = 1, comm: String = "kworker/1:1H", pid: Int = 231, flags: String = ".....", iova: UInt64, paddr: UInt64, size: UInt64) -> String {
        at(time, cpu: cpu, comm: comm, pid: pid, flags: flags, "map: IOMMU: iova=\(hex16(iova)) - \(hex16(iova &+ size)) paddr=\(hex16(paddr)) size=\(size)")
    }

    /// `unmap: IOMMU: iova=… - … size=… unmapped_size=…`.
    public static func iommuUnmap(_ time: Double, cpu: Int = 1, comm: String = "kworker/1:1H", pid: Int = 231, flags: String = ".....", iova: UInt64, size: UInt64, unmapped: UInt64? = nil) -> String {
        at(time, cpu: cpu, comm: comm, pid: pid, flags: flags, "unmap: IOMMU: iova=\(hex16(iova)) - \(hex16(iova &+ size)) size=\(size) unmapped_size=\(unmapped ?? size)")
    }

    /// The `trace` file header (default options, 2 CPUs).
    public static let header = """
    # tracer: nop
    #
    # entries-in-buffer/entries-written: 64/64   #P:2
    #
    #                                _-----=> irqs-off/BH-disabled
    #                               / _----=> need-resched
    #                              | / _---=> hardirq/softirq
    #                              || / _--=> preempt-depth
    #                              ||| / _-=> migrate-disable
    #                              |||| /     delay
    #           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
    #              | |         |   |||||     |         |
    """

    /// A complete trace file: header plus lines.
    public static func trace(_ lines: [String]) -> String {
        ([header] + lines).joined(separator: "\n") + "\n"
    }

    private static func hex16(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 16 - s.count)) + s
    }
}
