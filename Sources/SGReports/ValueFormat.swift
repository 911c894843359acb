import Foundation

/// How every report writes numbers, so that CSV, JSON, SARIF, JUnit and HTML agree:
/// addresses and masks in lower-case hex with `0x`, sizes in decimal bytes (or binary
/// units for people), times in seconds with six decimals.
public enum ValueFormat {
    /// `0x1f000` (lower case, no padding).
    public static func hex(_ value: UInt64) -> String {
        "0x" + String(value, radix: 16)
    }

    /// Seconds with microsecond precision (`12.000345`); raw counters print as integers.
    public static func seconds(_ value: Double) -> String {
        guard value.isFinite else { return "" }
        if value >= 1e12, value == value.rounded() { return String(format: "%.0f", value) }
        // `%.6f` by integer arithmetic (String(format:) cost 4.5 % of a whole analyze), except
        // near a rounding tie, where only printf's exact binary rounding gives the same digits.
        let micros = value * 1_000_000
        if value >= 0, micros < 9e15, abs(micros - micros.rounded(.down) - 0.5) > 1e-3 {
            let us = UInt64(micros.rounded())
            let frac = String(us % 1_000_000)
            return String(us / 1_000_000) + "." + String(repeating: "0", count: 6 - frac.count) + frac
        }
        return String(format: "%.6f", value)
    }

    /// Binary units for people: `512 B`, `4 KiB`, `1.5 MiB`, `2 GiB`.
    public static func bytes(_ value: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var unit = 0
        var scaled = Double(value)
        while scaled >= 1024, unit < units.count - 1 {
            scaled /= 1024
            unit += 1
        }
        if unit == 0 { return "\(value) B" }
        let text = scaled == scaled.rounded() ? String(format: "%.0f", scaled) : String(format: "%.1f", scaled)
        return "\(text) \(units[unit])"
    }

    /// Mask width in bits when the mask is `2^n − 1` (`64` for all ones), else nil.
    public static func maskBits(_ mask: UInt64) -> Int? {
        let bits = 64 - mask.leadingZeroBitCount
        let expected: UInt64 = bits == 64 ? .max : (UInt64(1) << UInt64(bits)) - 1
        return mask == expected ? bits : nil
    }

    /// A signed difference of two addresses as `+0x200` / `-0x1000`.
    public static func signedHex(from base: UInt64, to value: UInt64) -> String {
        value >= base ? "+" + hex(value - base) : "-" + hex(base - value)
    }
}
