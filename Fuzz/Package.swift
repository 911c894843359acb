// swift-tools-version: 6.1
//
// libFuzzer targets for sgreplay's parsers (`make fuzz`; not part of `make test`).
// Built with `swift build -c release -Xswiftc -sanitize=fuzzer,address` so that every module of
// the main package is instrumented for coverage and checked by AddressSanitizer.
//
//   FuzzTrace     bytes → a trace (text, xz or gzip by magic) → ingest: the line framer
//                 and every payload decoder; the input accounting must reconcile.
//   FuzzAnalyze   the same bytes through the whole Analyzer (reconstruction, model,
//                 trackers, checks): slower, run beside the parser targets.
//   FuzzTraceDat  bytes → sgreplay's own walk of a v6 trace.dat's headers and page commits
//                 (what keeps corrupt pages away from libtraceevent).
//   FuzzTopology  bytes → the topology file loader.
//   FuzzELF       bytes → the ELF/DWARF loader (libelf, libdwfl) and a few lookups.
import Foundation
import PackageDescription

/// A path dependency's identity is its directory's name: whatever the clone is called.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

let fuzzer: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "sgreplay-fuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "CFuzzDriver"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzDriver"]),
        .executableTarget(name: "FuzzTrace", dependencies: ["FuzzSupport", .product(name: "SGReplayKit", package: root)], swiftSettings: fuzzer),
        .executableTarget(name: "FuzzAnalyze", dependencies: ["FuzzSupport", .product(name: "SGReplayKit", package: root)], swiftSettings: fuzzer),
        .executableTarget(name: "FuzzTraceDat", dependencies: ["FuzzSupport", .product(name: "SGReplayKit", package: root)], swiftSettings: fuzzer),
        .executableTarget(name: "FuzzTopology", dependencies: ["FuzzSupport", .product(name: "SGReplayKit", package: root)], swiftSettings: fuzzer),
        .executableTarget(name: "FuzzELF", dependencies: ["FuzzSupport", .product(name: "SGReplayKit", package: root)], swiftSettings: fuzzer),
    ]
)
