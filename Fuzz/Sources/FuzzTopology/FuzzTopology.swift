import Foundation
import SGReplay

/// One input through the topology file loader: it must accept or throw, never crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTopology(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    if let topology = try? TopologyFile.parse(Data(bytes: data, count: size), file: "fuzz.json") {
        // What loads must write back to a file that loads to the same value.
        guard let again = try? TopologyFile.parse(Data(topology.json().utf8), file: "again.json"), again == topology else {
            fatalError("topology does not round-trip: \(topology)")
        }
    }
    return 0
}
