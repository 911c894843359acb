// swift-tools-version: 6.1
//
// Benchmarks for sgreplay (ordo-one/benchmark). Run from this directory:
//   swift package benchmark            (time and malloc counts per benchmark)
// Figures are recorded in ../docs/model.md.
import PackageDescription

let package = Package(
    name: "sgreplay-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "sgreplay", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "MapSGBenchmark",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SGReplayKit", package: "sgreplay"),
            ],
            path: "Benchmarks/MapSGBenchmark",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
