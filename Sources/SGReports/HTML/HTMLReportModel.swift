/// The values `report.mustache` renders. Every string here is plain text that
/// Mustache HTML-escapes (counts that are only shown when non-zero are nil
/// when zero: Mustache treats 0 as true), except the `svg` fields, which are built by
/// ``SVGElement`` (itself escaping) and inserted raw.
struct HTMLReportModel {
    struct KeyValue { var key: String; var value: String }
    struct Accounting { var label: String; var count: String; var note: String }
    struct Malformed { var file: String; var line: Int; var reason: String }
    struct Device {
        var name: String; var kind: String; var iommu: String; var granule: String; var mask: String
        var maxSegment: String; var boundary: String; var source: String; var inferred: Bool
        var mappings: Int; var findings: Int; var notes: String
    }
    struct KindRow {
        var kind: String; var title: String; var explanation: String
        var errors: Int; var warnings: Int; var infos: Int; var total: Int; var barWidth: Int; var anchor: String
    }
    struct SiteRow { var symbol: String; var source: String; var count: Int; var kinds: String }
    struct FindingRow {
        var id: String; var kind: String; var severity: String; var confidence: String; var device: String
        var time: String; var timeSort: String; var location: String; var file: String; var line: Int; var event: String
        var detail: String; var expected: String; var observed: String; var symbol: String; var mapCall: String; var hasCard: Bool
        /// The row in the script's data, in the order `script.mustache` reads it.
        var dataRow: [String] {
            [id, kind, severity, confidence, device, time, timeSort, location, file, event, detail, expected, observed, symbol,
             mapCall, hasCard ? "1" : ""]
        }
    }
    struct Quote { var label: String; var location: String; var text: String }
    struct Sibling { var id: String; var kind: String }
    struct Card {
        var id: String; var kind: String; var severity: String; var confidence: String; var device: String
        var location: String; var event: String; var detail: String; var expected: String; var observed: String
        var symbol: String; var source: String; var hasCallSite: Bool; var svg: String?; var pictureOmitted: Bool
        /// `file:line` of the map call, the other findings of the same call, the raw trace lines.
        var mapCall: String; var sameMapCall: [Sibling]; var sameMapCallMore: Int?
        var quotes: [Quote]; var quotesNote: String?
        /// Stored, not computed: Mustache reads fields through `Mirror`.
        var hasSameMapCall: Bool; var hasQuotes: Bool
    }
    struct KindCards { var kind: String; var title: String; var explanation: String; var cards: [Card]; var more: Int?; var anchor: String }
    struct DevicePictures { var name: String; var occupancy: String; var nents: String; var sizes: String; var note: String }

    var title: String
    var traces: [String]
    var overview: [KeyValue]
    var errors: Int
    var warnings: Int
    var infos: Int
    var totalFindings: Int
    var accounting: [Accounting]
    var accountingBar: String
    var reconciles: Bool
    var lostEvents: Bool
    var lostNote: String
    var damaged: Bool
    var damage: [String]
    /// ``AnalysisResult/problems`` not empty: the page says nothing trustworthy was analysed.
    var notAnalysed: Bool
    var problems: [String]
    var malformed: [Malformed]
    var hasMalformed: Bool
    var malformedMore: Int?
    var devices: [Device]
    var kinds: [KindRow]
    var quietKinds: String?
    var sites: [SiteRow]
    var sitesMore: Int?
    /// The table's first page, rendered into the page (readable without scripts).
    var findings: [FindingRow]
    /// Every table row as JSON (``HTMLReportBuilder/scriptJSON(_:)``) for the script's pages, filter and sort.
    var findingsData: String
    var findingsShown: Int
    var findingsTruncated: Bool
    var tableLimit: Int
    var perKind: Int
    var kindOptions: [String]
    var deviceOptions: [String]
    var cardGroups: [KindCards]
    var devicePictures: [DevicePictures]
    var devicePicturesMore: Int?
    var css: String
    var script: String
}
