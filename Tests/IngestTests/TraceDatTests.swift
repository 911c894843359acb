import Foundation
import Testing
@testable import SGIngest

/// trace-cmd's binary trace.dat read directly (libtracecmd), against the text of
/// `trace-cmd report` of the same file. Needs `trace-cmd` (Makefile APT_PACKAGES)
/// for the conversions and reports; without it these tests are skipped.
@Suite(.enabled(if: TraceDatFixtures.haveTraceCmd, "trace-cmd is not installed"), .serialized)
struct TraceDatTests {
    @Test func realCaptureReadsLikeItsReport() throws {
        let dat = IngestFixtures.framing("tc-6.18.dat")
        let (records, a) = try IngestFixtures.read([dat])
        #expect(records.isEmpty)
        #expect(!a.damaged && a.reconciles, "\(a.damage)")
        #expect(a.lines == 46 && a.eventsOther == 46 && a.eventsUsed == 0 && a.malformed == 0)
        // The shipped report is the report of this file.
        let report = try TraceDatFixtures.run("trace-cmd report -i '\(dat)'")
        let shipped = try String(contentsOfFile: IngestFixtures.framing("tracecmd-report.txt"), encoding: .utf8)
        #expect(report == shipped)
        let (textRecords, t) = try IngestFixtures.read([IngestFixtures.framing("tracecmd-report.txt")])
        #expect(textRecords.isEmpty && t.eventsOther == a.eventsOther)
    }

    /// v6, v7 without compression, v7 with zstd sections (the capture itself): the same records.
    @Test func everyFileVersionGivesTheSameRecords() throws {
        let dir = try TraceDatFixtures.directory()
        let v6 = try TraceDatFixtures.synthetic(dir, lost: true)
        let v7 = dir + "/s-v7.dat", v7z = dir + "/s-v7z.dat"
        _ = try TraceDatFixtures.run("trace-cmd convert -i '\(v6)' -o '\(v7)' --file-version 7 --compression none")
        _ = try TraceDatFixtures.run("trace-cmd convert -i '\(v6)' -o '\(v7z)' --file-version 7 --compression any")
        let base = try IngestFixtures.read([v6])
        #expect(base.accounting.eventsUsed == 15)
        for path in [v7, v7z] {
            let other = try IngestFixtures.read([path])
            #expect(other.records == base.records, "\(path)")
            #expect(other.accounting.eventsUsed == base.accounting.eventsUsed && other.accounting.lines == base.accounting.lines)
        }
    }

    /// Every event of the synthetic 6.18 trace decodes to the value the text path gives for
    /// `trace-cmd report -l -t` of the same file (flags for the irq context, nanoseconds), with
    /// dma_map_sg in the 6.18 capped layout and in the uncapped 6.12–6.17 one.
    @Test(arguments: [false, true])
    func syntheticTraceMatchesTheTextPath(uncapped: Bool) throws {
        let dir = try TraceDatFixtures.directory()
        let dat = try TraceDatFixtures.synthetic(dir, lost: true, uncapped: uncapped)
        let text = dir + "/s.txt"
        _ = try TraceDatFixtures.run("trace-cmd report -l -t -i '\(dat)' > '\(text)'")
        let (binary, a) = try IngestFixtures.read([dat])
        let (printed, t) = try IngestFixtures.read([text])
        #expect(a.reconciles && !a.damaged, "\(a)")
        #expect(a.lines == 17 && a.eventsUsed == 15 && a.eventsOther == 1 && a.headerLines == 1 && a.malformed == 0)
        #expect(a.lostMarkers == 1 && t.lostMarkers == 1)
        #expect(t.eventsUsed == a.eventsUsed && t.eventsOther == a.eventsOther && t.malformed == 0, "\(t.malformedLines)")
        let b = binary.map(TraceDatFixtures.comparable), p = printed.map(TraceDatFixtures.comparable)
        #expect(b.count == p.count)
        for (x, y) in zip(b, p) { #expect(x == y) }
        let events = IngestFixtures.events(binary)
        #expect(events.map(\.context.execution).filter { $0 == .hardirq }.count == 3)
        #expect(events.map(\.context.execution).filter { $0 == .softirq }.count == 2)
        #expect(events.first?.context.timestamp == 937_700_001_123)
        guard case .mapSG(let sg) = events[3].payload else { Issue.record("not a map_sg: \(events[3])"); return }
        #expect(sg == MapSGEvent(device: "0000:01:00.0", direction: .toDevice, physAddresses: [0x123450000, 0x123451000],
                                 dmaAddresses: [0xFFFFC000], dmaLengths: [8192], fullNents: 2, fullEnts: 1))
    }

    /// An `ftrace:kernel_stack` record right after an event on its CPU is that event's stack,
    /// named from the trace's kallsyms (symbol, offset and address); it counts as a stack line.
    @Test func kernelStackRecordsAttachToTheEventBefore() throws {
        let dir = try TraceDatFixtures.directory()
        let dat = try TraceDatFixtures.synthetic(dir, lost: false, stacks: true)
        let (records, a) = try IngestFixtures.read([dat])
        #expect(a.reconciles && a.lines == 17 && a.stackLines == 1 && a.eventsUsed == 15 && a.eventsOther == 1, "\(a)")
        let events = IngestFixtures.events(records)
        #expect(events.filter { !$0.stack.isEmpty }.count == 1)
        guard case .mapSG = events[3].payload else { Issue.record("\(events[3])"); return }
        #expect(events[3].stack == [
            StackFrame(address: 0xFFFF_FFFF_8141_1A78, symbol: "__dma_map_sg_attrs", offset: 0x58),
            StackFrame(address: 0xFFFF_FFFF_8141_1BD0, symbol: "dma_map_sg_attrs", offset: 0x10),
            StackFrame(address: 0xFFFF_FFFF_81B0_74C3, symbol: "blk_mq_dispatch_rq_list", offset: 0x123),
            StackFrame(address: 0xFFFF_FFFF_C0A1_B2C3),
        ])
    }

    /// A trace.dat inside xz or gzip (how the lab stores its captures) is read through a
    /// temporary copy: the same records as the plain file, messages naming the compressed file;
    /// a cut xz stream is damage, with what it held read.
    @Test func compressedTraceDatIsReadDirectly() throws {
        let dir = try TraceDatFixtures.directory()
        let dat = try TraceDatFixtures.synthetic(dir, lost: true, count: 40)
        try TraceDatFixtures.run("xz -k -c '\(dat)' > '\(dat).xz' && gzip -c '\(dat)' > '\(dat).gz'")
        let (plain, a) = try IngestFixtures.read([dat])
        for packed in [dat + ".xz", dat + ".gz"] {
            let (records, b) = try IngestFixtures.read([packed])
            #expect(records == plain)
            #expect(b.files == [packed] && b.lines == a.lines && b.lostEvents == a.lostEvents && !b.damaged && b.reconciles, "\(b)")
        }
        let xz = try Data(contentsOf: URL(fileURLWithPath: dat + ".xz"))
        let cut = dir + "/cut.dat.xz"
        try xz.prefix(xz.count * 2 / 3).write(to: URL(fileURLWithPath: cut))
        let (_, c) = try IngestFixtures.read([cut])
        #expect(c.damaged && c.reconciles)
        #expect(c.damage.allSatisfy { $0.hasPrefix(cut + ": ") }, "\(c.damage)")
    }

    /// A v6 file cut inside its CPU data: the records before the cut are read (libtracecmd alone
    /// refuses the whole file), in the plain file's order, and the damage says where it ends.
    @Test func truncatedFilesAreDamagedWithWhatWasRead() throws {
        let dir = try TraceDatFixtures.directory()
        let v6 = try TraceDatFixtures.synthetic(dir, lost: false, count: 40)
        let data = try Data(contentsOf: URL(fileURLWithPath: v6))
        let (whole, _) = try IngestFixtures.read([v6])
        let cut = dir + "/cut.dat"
        try data.prefix(data.count - 3000).write(to: URL(fileURLWithPath: cut))
        let (records, a) = try IngestFixtures.read([cut])
        #expect(a.damaged && a.reconciles, "\(a)")
        #expect(a.damage.count == 1 && a.damage[0].hasPrefix(cut + ": the file ends at byte \(data.count - 3000), inside CPU "), "\(a.damage)")
        #expect(records.count > whole.count / 2 && records.count < whole.count)
        // What was read is the whole file's records with the cut CPU's tail left out, in order.
        var rest = whole.map(\.kind)[...]
        for kind in records.map(\.kind) {
            guard let at = rest.firstIndex(of: kind) else { Issue.record("\(kind) not in the whole file's order"); break }
            rest = rest[(at + 1)...]
        }
        // Cut inside the headers: nothing to read, and the message names the file.
        let head = dir + "/head.dat"
        try data.prefix(300).write(to: URL(fileURLWithPath: head))
        let (none, b) = try IngestFixtures.read([head])
        #expect(none.isEmpty && b.damaged && b.reconciles)
        #expect(b.damage.first?.hasPrefix(head + ": libtracecmd could not read its headers") == true, "\(b.damage)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory()).filter { $0.hasPrefix("sgreplay-truncated-") }
        #expect(leftovers.isEmpty, "padded copies left: \(leftovers)")
    }

    /// A page whose event bytes are garbled: the record whose event id the formats do not define is
    /// malformed, the file is damaged, every other record is read. (A page header whose commit
    /// claims more than a page crashes libtraceevent 1.7.1's kbuffer, and `trace-cmd report` with it.)
    @Test func corruptPageIsDamaged() throws {
        let dir = try TraceDatFixtures.directory()
        let v6 = try TraceDatFixtures.synthetic(dir, lost: false, count: 40)
        var data = try Data(contentsOf: URL(fileURLWithPath: v6))
        let table = try #require(data.range(of: Data("flyrecord\0".utf8), options: .backwards)).upperBound
        let cpu0 = data.subdata(in: table..<(table + 8)).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        // CPU 0's third page: the first event's common_type (after the 16-byte page header and its 4-byte event header).
        let type = Int(cpu0) + 2 * 4096 + 16 + 4
        data[type] = 0x5A
        data[type + 1] = 0x5A
        let bad = dir + "/bad.dat"
        try data.write(to: URL(fileURLWithPath: bad))
        let (records, a) = try IngestFixtures.read([bad])
        let clean = try IngestFixtures.read([v6])
        #expect(a.reconciles && a.damaged, "\(a)")
        #expect(a.malformed == 1 && a.lines == clean.accounting.lines && records.count == clean.records.count - 1)
        #expect(a.damage.first?.contains("CPU 0") == true, "\(a.damage)")
    }

    /// A page header whose commit claims more than a page (libtraceevent 1.7.1 would read past the
    /// page and crash, as `trace-cmd report` does): that CPU ends before it, everything else is read.
    @Test func corruptPageHeaderIsDamaged() throws {
        let dir = try TraceDatFixtures.directory()
        let v6 = try TraceDatFixtures.synthetic(dir, lost: false, count: 40)
        var data = try Data(contentsOf: URL(fileURLWithPath: v6))
        let table = try #require(data.range(of: Data("flyrecord\0".utf8), options: .backwards)).upperBound
        let cpu0 = data.subdata(in: table..<(table + 8)).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        let commit = Int(cpu0) + 2 * 4096 + 8 // CPU 0's third page
        for k in 0..<8 { data[commit + k] = 0xFF }
        let bad = dir + "/bad-commit.dat"
        try data.write(to: URL(fileURLWithPath: bad))
        let (records, a) = try IngestFixtures.read([bad])
        let clean = try IngestFixtures.read([v6])
        #expect(a.reconciles && a.damaged, "\(a)")
        #expect(!records.isEmpty && records.count < clean.records.count)
        let cpu1 = { (r: [TraceRecord]) in IngestFixtures.events(r).filter { $0.context.cpu == 1 }.count }
        #expect(cpu1(records) == cpu1(clean.records))
        #expect(a.damage.first?.contains("CPU 0: the page at file offset") == true, "\(a.damage)")

        // The first page of a CPU: nothing can be read.
        for k in 0..<8 { data[Int(cpu0) + 8 + k] = 0xFF }
        try data.write(to: URL(fileURLWithPath: bad))
        let (none, b) = try IngestFixtures.read([bad])
        #expect(none.isEmpty && b.damaged && b.reconciles && b.damage.first?.contains("first page") == true, "\(b.damage)")
    }
}

enum TraceDatFixtures {
    static let haveTraceCmd = FileManager.default.isExecutableFile(atPath: "/usr/bin/trace-cmd")
        || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/trace-cmd")

    static let script: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/make-tracedat.py").path

    static func directory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sgdat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    /// Runs `command` under /bin/sh; throws when it fails.
    @discardableResult
    static func run(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileReadUnknown, userInfo: ["command": command]) }
        return String(decoding: data, as: UTF8.self)
    }

    /// The real capture's headers and 6.18 formats with DMA events of scripts/make-tracedat.py (v6, uncompressed).
    static func synthetic(_ dir: String, lost: Bool, count: Int = 1, uncapped: Bool = false, stacks: Bool = false) throws -> String {
        let base = dir + "/base-v6.dat", events = dir + "/events.txt", ftrace = dir + "/ftrace-events.txt", out = dir + "/s.dat"
        if !FileManager.default.fileExists(atPath: base) {
            try run("trace-cmd convert -i '\(IngestFixtures.framing("tc-6.18.dat"))' -o '\(base)' --file-version 6 --compression none")
            try run("trace-cmd dump --events -i '\(base)' > '\(events)'")
            try run("trace-cmd dump --ftrace-events -i '\(base)' > '\(ftrace)'")
        }
        try run("python3 '\(script)' '\(base)' '\(events)' '\(out)' --count \(count)\(lost ? " --lost" : "")\(uncapped ? " --uncapped" : "")"
                + (stacks ? " --ftrace '\(ftrace)'" : ""))
        return out
    }

    /// A record without its line number (records vs lines) and GFP flags (names in text, a number in binary).
    static func comparable(_ r: TraceRecord) -> TraceRecord {
        var r = r
        r.line = 0
        if case .event(var e) = r.kind, case .alloc(var a) = e.payload {
            a.gfpFlags = nil
            e.payload = .alloc(a)
            r.kind = .event(e)
        }
        return r
    }
}
