internal import CTraceFS
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One libtracecmd recorder per CPU, each on a thread of its own, copying that CPU's
/// `trace_pipe_raw` pages (by splice) into `DIR/trace.dat.cpuN`, as `trace-cmd record`'s
/// per-CPU recorders do. ``stop()`` wakes them, lets each flush what is left in its buffer,
/// and waits for them.
final class CPURecorders {
    /// A recorder and its thread's end, handed to the thread.
    private final class Slot: @unchecked Sendable {
        let recorder: OpaquePointer
        let done = DispatchSemaphore(value: 0)
        var status: Int32 = 0
        init(_ recorder: OpaquePointer) { self.recorder = recorder }
    }

    /// The per-CPU files, in CPU order.
    let files: [String]
    private var slots: [Slot] = []
    private var running = false

    /// Creates the recorders of `cpus` CPUs of `instance` (not started).
    init(instance: OpaquePointer?, cpus: Int, prefix: String) throws(RecordError) {
        files = (0..<cpus).map { "\(prefix).cpu\($0)" }
        for (cpu, file) in files.enumerated() {
            guard let recorder = tracecmd_create_buffer_recorder(file, Int32(cpu), 0, instance) else {
                let reason = String(cString: strerror(errno))
                release()
                throw .tracefs("cannot open CPU \(cpu)'s raw buffer (per_cpu/cpu\(cpu)/trace_pipe_raw) for recording: \(reason)")
            }
            slots.append(Slot(recorder))
        }
    }

    deinit {
        stop()
        release()
    }

    /// Starts one thread per CPU.
    func start() {
        guard !running else { return }
        running = true
        for slot in slots {
            let thread = Thread {
                // 1 ms between polls when a read returned nothing (as trace-cmd's default).
                slot.status = tracecmd_start_recording(slot.recorder, 1000)
                slot.done.signal()
            }
            thread.name = "sgreplay-recorder"
            thread.start()
        }
    }

    /// Stops every recorder; each flushes the rest of its buffer into its file first.
    /// Returns the CPUs whose recorder failed.
    @discardableResult
    func stop() -> [Int] {
        guard running else { return [] }
        running = false
        for slot in slots { tracecmd_stop_recording(slot.recorder) }
        var failed: [Int] = []
        for (cpu, slot) in slots.enumerated() {
            // A reader that a kernel does not wake (tracefs_cpu_stop returns 1 there) is nudged again.
            while slot.done.wait(timeout: .now() + .milliseconds(200)) == .timedOut {
                tracecmd_stop_recording(slot.recorder)
            }
            if slot.status < 0 { failed.append(cpu) }
        }
        return failed
    }

    /// Frees the recorders (closes the per-CPU files).
    func release() {
        for slot in slots { tracecmd_free_recorder(slot.recorder) }
        slots = []
    }

    /// Removes the per-CPU files.
    func removeFiles() {
        for file in files { unlink(file) }
    }
}
