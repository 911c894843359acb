import Foundation
import SGModel
import SGRecord
import Testing
@testable import SGReplay
import SGTestSupport

/// scripts/capture.sh --topology-only against a fake sysfs/procfs tree shaped
/// like the real capture's machine (topology.txt of real-6.1-iommu-lazy) plus
/// a P2PDMA provider.
@Suite struct CaptureScriptTests {
    static let repoRoot = TestPaths.repoRoot

    /// A fake machine: root directory with `sys/`, `proc/` and a saved dmesg.
    struct FakeMachine {
        let root: URL
        var sys: URL { root.appendingPathComponent("sys") }
        var proc: URL { root.appendingPathComponent("proc") }
        var dmesg: URL { root.appendingPathComponent("dmesg.txt") }

        func write(_ text: String, _ path: String, under base: URL) throws {
            let url = base.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }

        func link(_ path: String, to target: String) throws {
            let url = sys.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: target)
        }

        /// PCI device `bdf` with its mask width and IOMMU group (nil: none).
        func pci(_ bdf: String, maskBits: Int, group: Int?, groupType: String? = nil) throws {
            let dir = "devices/pci0000:00/\(bdf)"
            try write("\(maskBits)\n", dir + "/dma_mask_bits", under: sys)
            try link("bus/pci/devices/\(bdf)", to: "../../../devices/pci0000:00/\(bdf)")
            if let group {
                try link(dir + "/iommu_group", to: "../../../kernel/iommu_groups/\(group)")
                if let groupType { try write(groupType + "\n", "kernel/iommu_groups/\(group)/type", under: sys) }
            }
        }

        /// Block device `name` whose `device` link lies below PCI device `bdf`.
        func disk(_ name: String, below bdf: String, path: String, maxSegment: UInt64) throws {
            try FileManager.default.createDirectory(at: sys.appendingPathComponent("devices/pci0000:00/\(bdf)/\(path)"), withIntermediateDirectories: true)
            try link("block/\(name)/device", to: "../../devices/pci0000:00/\(bdf)/\(path)")
            try write("\(maxSegment)\n", "block/\(name)/queue/max_segment_size", under: sys)
        }

        static func make() throws -> FakeMachine {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("sgreplay-fake-\(UUID().uuidString)")
            let m = FakeMachine(root: root)
            try m.pci("0000:00:02.0", maskBits: 64, group: 2, groupType: "DMA-FQ")
            try m.pci("0000:00:1f.2", maskBits: 64, group: 4, groupType: "DMA-FQ")
            try m.pci("0000:00:1f.3", maskBits: 32, group: 4)
            try m.pci("0000:00:03.0", maskBits: 64, group: 3, groupType: "identity")
            try m.pci("0000:04:00.0", maskBits: 64, group: 6, groupType: "DMA")
            try FileManager.default.createDirectory(at: m.sys.appendingPathComponent("devices/pci0000:00/0000:04:00.0/p2pmem"), withIntermediateDirectories: true)
            try m.write("0x00000000f8000000 0x00000000f8ffffff 0x0000000000040200\n0x0000000000000000 0x0000000000000000 0x0000000000000000\n", "devices/pci0000:00/0000:04:00.0/resource", under: m.sys)
            try m.disk("nvme0n1", below: "0000:00:02.0", path: "nvme/nvme0", maxSegment: 4_294_967_295)
            try m.disk("sda", below: "0000:00:1f.2", path: "ata1/host0/target0:0:0/0:0:0:0", maxSegment: 65536)
            try m.disk("vda", below: "0000:00:03.0", path: "virtio0", maxSegment: 4_294_967_295)
            try m.write("6.1.0-56-amd64\n", "sys/kernel/osrelease", under: m.proc)
            try m.write("c0000000-febfffff : PCI Bus 0000:00\n  f8000000-f9ffffff : 0000:04:00.0\n    f8000000-f9ffffff : p2pdma\n  febf6000-febf6fff : 0000:00:1f.2\n", "iomem", under: m.proc)
            try m.write("[    1.359567] software IO TLB: mapped [mem 0x000000007bd75000-0x000000007fd75000] (64MB)\n", "dmesg.txt", under: root)
            return m
        }

        /// A machine without IOMMU groups: one P2PDMA provider whose window is only in `resource`.
        static func makeWithoutIOMMU() throws -> FakeMachine {
            let m = FakeMachine(root: FileManager.default.temporaryDirectory.appendingPathComponent("sgreplay-fake-\(UUID().uuidString)"))
            try m.pci("0000:01:00.0", maskBits: 40, group: nil)
            try FileManager.default.createDirectory(at: m.sys.appendingPathComponent("devices/pci0000:00/0000:01:00.0/p2pmem"), withIntermediateDirectories: true)
            try m.write("0x0000004000000000 0x00000040000fffff 0x0000000000140204\n", "devices/pci0000:00/0000:01:00.0/resource", under: m.sys)
            try m.write("7.0.0-rc1\n", "sys/kernel/osrelease", under: m.proc)
            try m.write("", "dmesg.txt", under: m.root)
            return m
        }
    }

    /// Runs the script with `arguments` on the fake machine; returns its exit status and standard error.
    static func runScript(_ machine: FakeMachine, _ arguments: [String], tracefs: URL? = nil) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash", repoRoot.appendingPathComponent("scripts/capture.sh").path] + arguments
        var env = ProcessInfo.processInfo.environment
        env["SYSFS"] = machine.sys.path
        env["PROCFS"] = machine.proc.path
        env["DMESG_FILE"] = machine.dmesg.path
        if let tracefs { env["TRACEFS"] = tracefs.path }
        process.environment = env
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test func topologyFromFakeSysfsLoadsWithExpectedValues() throws {
        let machine = try FakeMachine.make()
        let out = machine.root.appendingPathComponent("out")
        let run = try Self.runScript(machine, ["--topology-only", "-o", out.path])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let t = try TopologyFile.load(path: out.appendingPathComponent("topology.json").path)
        #expect(t.kernelRelease == KernelRelease(6, 1, 0))
        #expect(t.pageSize == 4096)
        let nvme = try #require(t.devices["0000:00:02.0"])
        #expect(nvme.iommu == .dmaFQ)
        #expect(nvme.iommuGroup == 2)
        #expect(nvme.dmaMaskBits == 64)
        #expect(nvme.maxSegmentSize == 0xffff_ffff)
        let ahci = try #require(t.devices["0000:00:1f.2"])
        #expect(ahci.maxSegmentSize == 65536)
        #expect(ahci.iommuGroup == 4)
        // Group 4's type is read once, for the whole group.
        #expect(t.devices["0000:00:1f.3"]?.iommu == .dmaFQ)
        #expect(t.devices["0000:00:1f.3"]?.dmaMaskBits == 32)
        #expect(t.devices["0000:00:1f.3"]?.maxSegmentSize == nil)
        #expect(t.devices["0000:00:03.0"]?.iommu == .identity)
        #expect(t.devices["0000:04:00.0"]?.iommu == .dma)
        #expect(t.p2pWindows == [P2PWindow(provider: "0000:04:00.0", phys: 0xf800_0000, size: 0x200_0000, busOffset: 0)])
        #expect(t.swiotlbPool == SwiotlbPool(start: 0x7bd7_5000, size: 0x400_0000))
    }

    @Test func noIOMMUGroupsMeansNoIOMMUAndResourceFileGivesP2PWindow() throws {
        let machine = try FakeMachine.makeWithoutIOMMU()
        let out = machine.root.appendingPathComponent("out")
        let run = try Self.runScript(machine, ["--topology-only", "-o", out.path])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let t = try TopologyFile.load(path: out.appendingPathComponent("topology.json").path)
        #expect(t.kernelRelease == KernelRelease(7, 0, 0))
        #expect(t.devices["0000:01:00.0"]?.iommu == IOMMUMode.none)
        #expect(t.devices["0000:01:00.0"]?.dmaMaskBits == 40)
        #expect(t.p2pWindows == [P2PWindow(provider: "0000:01:00.0", phys: 0x40_0000_0000, size: 0x10_0000, busOffset: 0)])
        #expect(t.swiotlbPool == nil)
    }

    /// `sgreplay record`'s topology (``SysfsTopology``, the script's logic in Swift) is the
    /// script's, byte for byte, on both fake machines.
    @Test func recordWritesTheScriptsTopology() throws {
        let full = try FakeMachine.make()
        for machine in [full, try FakeMachine.makeWithoutIOMMU()] {
            let out = machine.root.appendingPathComponent("out")
            let run = try Self.runScript(machine, ["--topology-only", "-o", out.path])
            #expect(run.status == 0, "stderr: \(run.stderr)")
            let script = try String(contentsOf: out.appendingPathComponent("topology.json"), encoding: .utf8)
            let log = try String(contentsOf: machine.dmesg, encoding: .utf8)
            let swift = SysfsTopology(sysfs: machine.sys.path, procfs: machine.proc.path, kernelLog: log).json()
            #expect(swift == script)
        }
    }

    @Test func badArgumentsExitTwo() throws {
        let machine = try FakeMachine.make()
        let run = try Self.runScript(machine, ["-d", "soon", "--topology-only"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("-d needs a whole number"))
        let unknown = try Self.runScript(machine, ["--frobnicate"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown argument"))
    }

    /// The tracefs path, on a fake tracefs whose "kernel" is the recorded
    /// command appending a line to `trace`. Recording needs root; elsewhere
    /// the script must refuse clearly.
    @Test func recordsThroughTracefsAndRestoresIt() throws {
        let machine = try FakeMachine.make()
        let tracefs = machine.root.appendingPathComponent("tracefs")
        for file in ["events/dma/enable", "events/iommu/enable", "options/stacktrace", "tracing_on", "buffer_size_kb", "trace"] {
            try machine.write("0\n", file, under: tracefs)
        }
        let line = "  kworker/u4:0-9  [001] .....  3.171981: dma_map_sg: 0000:00:02.0 dir=FROM_DEVICE nents=1/1 ents=1/1 dma_addrs={0xfff3f880} sizes={0x200} phys_addrs={0x102512880} attrs="
        let out = machine.root.appendingPathComponent("out")
        // The workload checks that events and stack traces are on, then "fires" an event.
        let workload = "grep -qx 1 \"$TRACEFS/events/dma/enable\" && grep -qx 1 \"$TRACEFS/options/stacktrace\" && grep -qx 1 \"$TRACEFS/tracing_on\" && echo '\(line)' >> \"$TRACEFS/trace\""
        let run = try Self.runScript(machine, ["-o", out.path, "-s", "-b", "4096", "--", "sh", "-c", workload], tracefs: tracefs)
        guard getuid() == 0 else {
            #expect(run.status == 2)
            #expect(run.stderr.contains("needs root"))
            return
        }
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(!run.stderr.contains("command exited"), "workload saw tracing off: \(run.stderr)")
        let xz = Process()
        xz.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        xz.arguments = ["xz", "-dc", out.appendingPathComponent("trace.txt.xz").path]
        let pipe = Pipe()
        xz.standardOutput = pipe
        try xz.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        xz.waitUntilExit()
        #expect(text.contains(line))
        func value(_ file: String) throws -> String {
            try String(contentsOf: tracefs.appendingPathComponent(file), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try value("events/dma/enable") == "0")
        #expect(try value("events/iommu/enable") == "0")
        #expect(try value("options/stacktrace") == "0")
        #expect(try value("tracing_on") == "0")
        #expect(try value("buffer_size_kb") == "4096")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("topology.json").path))
    }
}
