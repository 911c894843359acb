// swift-tools-version: 6.1
//
// sgreplay: replay Linux DMA-mapping traces through a model of the kernel's mappers.
//
// Module graph (imports point downstream only; the compiler enforces it):
//
//   SGIngest ──┐
//              ├─► SGReplay ─► SGReports ─► sgreplay (executable: wiring only)
//   SGModel ───┤                              ▲
//   SGSymbols ─┘                              │
//   SGRecord ─────────────────────────────────┘
//   SGTraceGeneration ─► sgreplay (`generate`), tests (no library module imports it)
//   SGTraceGeneration ─► SGTestSupport (Tests/SGTestSupport: paths, temporary files, generated traces) ─► test targets only
//
// SGIngest: bytes → framed lines → typed events (xz/gzip through liblzma/zlib; trace.dat through libtracecmd).
// SGTraceGeneration: large realistic synthetic 6.18 traces (`sgreplay generate`, benchmarks, tests); depends on nothing.
// SGModel:  scatterlists, device properties, the kernel's mappers (pure).
// SGSymbols: ELF/DWARF through elfutils (libelf, libdw).
// SGReplay: reconstruction, per-device/per-domain trackers, checks, findings.
// SGReports: HTML, CSV, JSON, SARIF, JUnit.
// SGRecord: `sgreplay record`: tracefs (libtracefs) → per-CPU recorders → trace.dat (libtracecmd); topology from sysfs.
import PackageDescription

let package = Package(
    name: "sgreplay",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sgreplay", targets: ["sgreplay"]),
        .library(name: "SGReplayKit", targets: ["SGIngest", "SGModel", "SGSymbols", "SGReplay", "SGReports", "SGRecord", "SGTraceGeneration"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // System libraries (Debian: libelf-dev libdw-dev liblzma-dev zlib1g-dev libtracecmd-dev libtraceevent-dev libtracefs-dev).
        .systemLibrary(name: "CLibElf", pkgConfig: "libelf", providers: [.apt(["libelf-dev"])]),
        .systemLibrary(name: "CLibDW", pkgConfig: "libdw", providers: [.apt(["libdw-dev"])]),
        .systemLibrary(name: "CLZMA", pkgConfig: "liblzma", providers: [.apt(["liblzma-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // trace-cmd's binary trace.dat (v6, v7 incl. compressed sections) through libtracecmd, fields
        // through the format files it carries (libtraceevent). Debian: libtracecmd-dev libtraceevent-dev libtracefs-dev.
        .systemLibrary(name: "CTraceCmd", pkgConfig: "libtracecmd",
                       providers: [.apt(["libtracecmd-dev", "libtraceevent-dev", "libtracefs-dev"])]),
        // Recording: tracefs instances, events, buffers (libtracefs) and libtracecmd's recorder and
        // trace.dat writer, whose declarations its public header lacks (CTraceFS/tracecmd-record.h).
        .systemLibrary(name: "CTraceFS", pkgConfig: "libtracefs",
                       providers: [.apt(["libtracefs-dev", "libtracecmd-dev"])]),

        .target(name: "SGIngest", dependencies: ["CLZMA", "CZlib", "CTraceCmd"]),
        .target(name: "SGModel", dependencies: []),
        .target(name: "SGTraceGeneration", dependencies: []),
        .target(name: "SGSymbols", dependencies: ["CLibElf", "CLibDW"]),
        .target(name: "SGRecord", dependencies: ["CTraceFS"]),
        .target(
            name: "SGReplay",
            dependencies: [
                "SGIngest", "SGModel", "SGSymbols",
                .product(name: "Collections", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SGReports",
            dependencies: [
                "SGReplay", "SGModel", "SGIngest",
                .product(name: "CSV", package: "CSV.swift"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [.copy("Templates")]
        ),
        .executableTarget(
            name: "sgreplay",
            dependencies: [
                "SGIngest", "SGModel", "SGSymbols", "SGReplay", "SGReports", "SGRecord", "SGTraceGeneration",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Helpers the test targets share (repository and ../shared paths, temporary files,
        // generated traces); used by test targets only, in no product.
        .target(name: "SGTestSupport", dependencies: ["SGTraceGeneration", .product(name: "CSV", package: "CSV.swift")], path: "Tests/SGTestSupport"),

        .testTarget(name: "IngestTests", dependencies: ["SGIngest", "SGTraceGeneration", "SGTestSupport"]),
        .testTarget(
            name: "ModelTests",
            dependencies: ["SGModel", "SGTestSupport", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(name: "SymbolsTests", dependencies: ["SGSymbols"]),
        .testTarget(name: "ReplayTests", dependencies: ["SGReplay", "SGIngest", "SGModel", "SGRecord", "SGTraceGeneration", "SGTestSupport"]),
        .testTarget(name: "RecordTests", dependencies: ["SGRecord", "SGIngest"]),
        .testTarget(
            name: "ReportsTests",
            dependencies: ["SGReports", "SGReplay", "SGTestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "CLITests", dependencies: ["sgreplay", "SGTestSupport"], exclude: ["Fixtures"]),
    ]
)
