import Foundation
import Mustache
import SGReplay

/// Renders `report.html`: one self-contained page (inline CSS, JS, SVG; no URL of
/// any kind) from the templates in `Templates/`. Large results stay small:
/// tables and pictures show the first N findings of each kind and say where the
/// rest are (findings.csv), occupancy pictures are bounded.
struct HTMLReport {
    let result: AnalysisResult
    let options: ReportOptions
    let catalog: FindingKindCatalog

    enum TemplateError: Error, CustomStringConvertible {
        case missing(String)
        var description: String {
            switch self {
            case .missing(let name): return "report template \(name).mustache is missing from the SGReports bundle"
            }
        }
    }

    func render() throws -> String {
        let (library, texts) = try Self.library()
        var model = HTMLReportBuilder(result: result, options: options, catalog: catalog).model()
        model.css = texts["style"]!
        model.script = texts["script"]!
        guard let html = library.render(model, withTemplate: "report") else { throw TemplateError.missing("report") }
        return html
    }

    /// One finding's evidence card as a page of its own (`sgreplay explain`); nil when no finding has that id.
    func renderCard(id: String) throws -> String? {
        guard let finding = result.findings.first(where: { $0.id == id }) else { return nil }
        let (library, texts) = try Self.library()
        var options = self.options
        options.htmlPictureBytes = .max
        guard let card = HTMLReportBuilder(result: result, options: options, catalog: catalog).card(for: finding) else { return nil }
        struct Page {
            var title: String; var kindTitle: String; var explanation: String; var traces: String; var model: String
            var css: String; var card: HTMLReportModel.Card
        }
        let page = Page(title: "sgreplay — \(finding.id) \(finding.kind.rawValue) on \(finding.device)",
                        kindTitle: catalog.title(finding.kind), explanation: catalog.explanation(finding.kind),
                        traces: result.traces.joined(separator: ", "), model: result.model, css: texts["style"]!, card: card)
        guard let html = library.render(page, withTemplate: "explain") else { throw TemplateError.missing("explain") }
        return html
    }

    private static func library() throws -> (MustacheLibrary, [String: String]) {
        var library = MustacheLibrary()
        var texts: [String: String] = [:]
        for name in ["report", "style", "script", "card", "explain"] {
            guard let url = Bundle.module.url(forResource: name, withExtension: "mustache", subdirectory: "Templates")
                ?? Bundle.module.url(forResource: name, withExtension: "mustache") else { throw TemplateError.missing(name) }
            texts[name] = try String(contentsOf: url, encoding: .utf8)
        }
        try library.register(texts["card"]!, named: "card")
        try library.register(texts["report"]!, named: "report")
        try library.register(texts["explain"]!, named: "explain")
        return (library, texts)
    }
}
