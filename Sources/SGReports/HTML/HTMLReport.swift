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
        var library = MustacheLibrary()
        var texts: [String: String] = [:]
        for name in ["report", "style", "script", "card"] {
            guard let url = Bundle.module.url(forResource: name, withExtension: "mustache", subdirectory: "Templates")
                ?? Bundle.module.url(forResource: name, withExtension: "mustache") else { throw TemplateError.missing(name) }
            texts[name] = try String(contentsOf: url, encoding: .utf8)
        }
        try library.register(texts["card"]!, named: "card")
        try library.register(texts["report"]!, named: "report")
        var model = HTMLReportBuilder(result: result, options: options, catalog: catalog).model()
        model.css = texts["style"]!
        model.script = texts["script"]!
        guard let html = library.render(model, withTemplate: "report") else { throw TemplateError.missing("report") }
        return html
    }
}
