/// The subset of SARIF 2.1.0 that `findings.sarif` uses (OASIS schema
/// `sarif-schema-2.1.0.json`; property names as the schema spells them).
struct SARIFLog: Encodable {
    var schema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    var version = "2.1.0"
    var runs: [Run]

    enum CodingKeys: String, CodingKey {
        case schema = "$schema", version, runs
    }

    struct Run: Encodable {
        /// Bases of relative artifact URIs (`KERNEL_SRC` for call-site sources); nil when none is used.
        var originalUriBaseIds: [String: ArtifactLocation]?
        var tool: Tool
        var results: [Result]
        var columnKind = "unicodeCodePoints"
        var properties: [String: String]
    }

    struct Tool: Encodable {
        var driver: Driver
    }

    struct Driver: Encodable {
        var name: String
        var fullName: String
        var rules: [Rule]
    }

    struct Rule: Encodable {
        var id: String
        var name: String
        var shortDescription: Message
        var fullDescription: Message
        var help: Message
        var defaultConfiguration: Configuration
    }

    struct Configuration: Encodable {
        var level: String
    }

    struct Message: Encodable {
        var text: String
    }

    struct Result: Encodable {
        var ruleId: String
        var ruleIndex: Int
        var level: String
        var message: Message
        var locations: [Location]
        var relatedLocations: [Location]?
        var partialFingerprints: [String: String]
        var properties: ResultProperties
    }

    struct ResultProperties: Encodable {
        var id: String
        var confidence: String
        var device: String
        var time: String
        var event: String
        var expected: String
        var observed: String
        var symbol: String
        var source: String
    }

    struct Location: Encodable {
        var id: Int?
        var physicalLocation: PhysicalLocation
        var message: Message?
    }

    struct PhysicalLocation: Encodable {
        var artifactLocation: ArtifactLocation
        var region: Region?
    }

    struct ArtifactLocation: Encodable {
        var uri: String?
        var uriBaseId: String?
        var description: Message?

        init(uri: String? = nil, uriBaseId: String? = nil, description: Message? = nil) {
            self.uri = uri
            self.uriBaseId = uriBaseId
            self.description = description
        }
    }

    struct Region: Encodable {
        var startLine: Int
    }
}
