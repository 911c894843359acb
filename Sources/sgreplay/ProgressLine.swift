import Foundation

/// A one-line progress indicator on standard error, drawn only when standard
/// error is a terminal (CONTRACTS.md); silent otherwise.
struct ProgressLine {
    var enabled: Bool

    func show(_ text: String) {
        guard enabled else { return }
        FileHandleStandardError.write("\r\u{1B}[K" + String(text.prefix(120)))
    }

    func clear() {
        guard enabled else { return }
        FileHandleStandardError.write("\r\u{1B}[K")
    }
}
