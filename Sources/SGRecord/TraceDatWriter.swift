internal import CTraceFS
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Writes the trace.dat through libtracecmd's output API, in the order `trace-cmd record`
/// does: headers (header page and event, the ftrace formats, the formats of the enabled
/// events, kallsyms, printk formats, all read from tracefs and procfs now), options (trace
/// clock, uname, version, each CPU's buffer statistics), the saved cmdlines, then the per-CPU
/// data files. The result opens in `trace-cmd report` and KernelShark.
enum TraceDatWriter {
    static func write(path: String, fileVersion: Int, eventGlobs: [String], cpuFiles: [String],
                      stats: [CPUStats], version: String) throws(RecordError) {
        guard let out = tracecmd_output_create(path) else {
            throw .write(path: path, reason: String(cString: strerror(errno)))
        }
        var closed = false
        defer { if !closed { tracecmd_output_close(out) } }
        tracecmd_set_quiet(out, true)
        guard tracecmd_output_set_version(out, Int32(fileVersion)) == 0 else {
            throw .write(path: path, reason: "libtracecmd does not write file version \(fileVersion)")
        }
        // v7 sections compressed with the best algorithm libtracecmd has (zstd or zlib); v6 has none.
        if fileVersion >= 7 { _ = tracecmd_output_set_compression(out, "any") }

        // The event list: the formats of what was enabled (`ftrace/*`, for kernel stacks, always goes in).
        let globs = eventGlobs.map { strdup($0)! }
        defer { for g in globs { Glibc.free(g) } }
        var nodes = globs.map { tracecmd_event_list(next: nil, glob: UnsafePointer($0)) }
        let headers = nodes.withUnsafeMutableBufferPointer { buffer -> Int32 in
            for i in buffer.indices.dropLast() { buffer[i].next = buffer.baseAddress! + i + 1 }
            return tracecmd_output_write_headers(out, buffer.baseAddress)
        }
        guard headers == 0 else { throw .write(path: path, reason: "libtracecmd could not write the headers (event formats, kallsyms)") }

        addOption(out, UInt16(SGREPLAY_TRACECMD_OPTION_TRACECLOCK), nil)
        var name = utsname()
        if uname(&name) == 0 {
            let field = { (p: UnsafeRawPointer) in String(cString: p.assumingMemoryBound(to: CChar.self)) }
            let text = withUnsafePointer(to: &name) { p -> String in
                let raw = UnsafeRawPointer(p)
                return [field(raw + MemoryLayout.offset(of: \utsname.sysname)!),
                        field(raw + MemoryLayout.offset(of: \utsname.nodename)!),
                        field(raw + MemoryLayout.offset(of: \utsname.release)!),
                        field(raw + MemoryLayout.offset(of: \utsname.machine)!)].joined(separator: " ")
            }
            addOption(out, UInt16(SGREPLAY_TRACECMD_OPTION_UNAME), text)
        }
        addOption(out, UInt16(SGREPLAY_TRACECMD_OPTION_VERSION), version)
        for s in stats {
            addOption(out, UInt16(SGREPLAY_TRACECMD_OPTION_CPUSTAT), "CPU: \(s.cpu)\n" + s.text)
        }
        guard tracecmd_write_cmdlines(out) == 0 else {
            throw .write(path: path, reason: "libtracecmd could not write the saved cmdlines")
        }
        let files = cpuFiles.map { strdup($0) }
        defer { for f in files { Glibc.free(f) } }
        let appended = files.withUnsafeBufferPointer { tracecmd_append_cpu_data(out, Int32(cpuFiles.count), $0.baseAddress) }
        guard appended == 0 else { throw .write(path: path, reason: "libtracecmd could not append the per-CPU data") }
        closed = true
        tracecmd_output_close(out)
    }

    /// A string option (NUL-terminated, as trace-cmd writes them), or an empty one.
    private static func addOption(_ out: OpaquePointer, _ id: UInt16, _ text: String?) {
        guard let text else {
            tracecmd_add_option(out, id, 0, nil)
            return
        }
        var bytes = Array(text.utf8CString)
        tracecmd_add_option(out, id, Int32(bytes.count), &bytes)
    }
}
