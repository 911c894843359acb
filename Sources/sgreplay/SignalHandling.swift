#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SGIngest
import SGRecord

/// SIGINT and SIGTERM end a run the way a finished input does: the first stops the
/// reading (``InputInterruption``), the replay finishes on what was read and every
/// report is written, with `input.interrupted` in `summary.json` and exit status 3.
/// A second signal ends the process at once (status 128 + signal).
///
/// The handlers are installed without `SA_RESTART`, so a read(2) blocked on a
/// quiet pipe (`cat trace_pipe | sgreplay analyze -`) returns at the signal.
enum SignalHandling {
    static func install() {
        install { signal in
            if !InputInterruption.request(signal: signal) { _exit(128 + signal) }
        }
    }

    /// For `record`: every SIGINT or SIGTERM only asks the recording to stop
    /// (``RecordingStop``); the process never ends before the tracefs instance is removed.
    static func installForRecording() {
        install { signal in RecordingStop.request(signal: signal) }
    }

    private static func install(_ handler: @convention(c) (Int32) -> Void) {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = handler
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
        // A parent may have started us with them blocked (the mask is inherited across exec).
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &set, nil)
    }
}
