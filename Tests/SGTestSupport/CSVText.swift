import CSV
import Foundation

/// CSV read back with CSV.swift's reader (RFC 4180: quoted fields may hold commas, quotes and
/// line ends), for tests that check what the reports wrote.
public enum CSVText {
    /// The header row and the data rows of `text`.
    public static func read(_ text: String) throws -> (header: [String], rows: [[String]]) {
        let reader = try CSVReader(string: text, hasHeaderRow: true)
        var rows: [[String]] = []
        while let row = reader.next() { rows.append(row) }
        if let error = reader.error { throw error }
        return (reader.headerRow ?? [], rows)
    }
}
