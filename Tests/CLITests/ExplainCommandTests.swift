import Foundation
import Testing

/// `sgreplay explain TRACE... ID`: one finding's card as a page of its own.
@Suite struct ExplainCommandTests {
    @Test func writesOneSelfContainedCard() throws {
        let dir = try CLIRunner.temporaryDirectory()
        let out = dir.appendingPathComponent("card.html")
        let r = try CLIRunner.run(["explain", "traces/buggy-p2p.trace", "--topology", "traces/buggy-p2p.topology.json", "1", "--out", out.path])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("F000001: written to"))
        let html = try String(contentsOf: out, encoding: .utf8)
        #expect(html.contains("<article class=\"card\" id=\"F000001\">"))
        #expect(html.components(separatedBy: "<article class=\"card\"").count - 1 == 1)
        #expect(html.contains("class=\"quote-label\">map"), "the raw map line is quoted")
        #expect(!html.contains("<script"))
        #expect(!html.lowercased().contains("http://") && !html.lowercased().contains("https://"))
        let hrefs = html.components(separatedBy: "href=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
        for href in hrefs { #expect(href.hasPrefix("#")) }
    }

    @Test func unknownIdOrNoIdExitsTwo() throws {
        let dir = try CLIRunner.temporaryDirectory()
        let missing = try CLIRunner.run(["explain", "traces/buggy-p2p.trace", "--topology", "traces/buggy-p2p.topology.json", "F999999",
                                         "--out", dir.appendingPathComponent("x.html").path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no finding F999999"))
        let noID = try CLIRunner.run(["explain", "traces/buggy-p2p.trace"])
        #expect(noID.status == 2)
    }
}
