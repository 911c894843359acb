/// A kernel release, for behaviour that changed between versions (`6.18.0`).
public struct KernelRelease: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var patch: Int

    public init(_ major: Int, _ minor: Int, _ patch: Int = 0) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// Parses `6.18.0`, `6.1.0-56-amd64`, `6.12`; nil when no `N.N` prefix.
    public init?(parsing text: String) {
        var numbers: [Int] = []
        var current = ""
        for ch in text {
            if ch.isASCII, ch.isNumber {
                current.append(ch)
            } else {
                guard !current.isEmpty else { break }
                guard let n = Int(current) else { return nil }  // too many digits (found by fuzzing)
                numbers.append(n)
                current = ""
                if ch != "." || numbers.count == 3 { break }
            }
        }
        if !current.isEmpty, numbers.count < 3 {
            guard let n = Int(current) else { return nil }
            numbers.append(n)
        }
        guard numbers.count >= 2 else { return nil }
        self.init(numbers[0], numbers[1], numbers.count > 2 ? numbers[2] : 0)
    }

    /// Current upstream, the default era.
    public static let current = KernelRelease(6, 18, 0)

    /// The releases whose mapper behaviour the model knows: from v4.16 (dma-direct, the
    /// oldest path modelled) up to the 7.1 line (the latest fix ``KernelBehaviour`` names).
    public static let modelled = KernelRelease(4, 16, 0)..<KernelRelease(7, 2, 0)

    public static func < (a: KernelRelease, b: KernelRelease) -> Bool {
        (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
    }

    public var description: String { "\(major).\(minor).\(patch)" }
}
