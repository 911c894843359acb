import SGModel

extension EventReference {
    /// A finding about this event (id assigned later by the analyzer).
    func finding(_ kind: FindingKind, _ severity: Severity, _ confidence: Confidence, device: String, detail: String, expected: String = "", observed: String = "", evidence: FindingEvidence = FindingEvidence()) -> Finding {
        Finding(kind: kind, severity: severity, confidence: confidence, device: device, time: time, file: file, line: line, event: event, detail: detail, expected: expected, observed: observed, symbol: symbol, source: source, evidence: evidence, callChain: callChain)
    }
}

extension Finding {
    /// Lowers a history-based finding to `possible` (and errors to warnings)
    /// because a hole in the trace may hide the event that would explain it.
    func downgraded(because reason: String) -> Finding {
        var f = self
        f.confidence = .possible
        if f.severity == .error { f.severity = .warning }
        f.detail += "; \(reason)"
        return f
    }
}

extension MapObservation {
    /// A finding about this map event with its inputs and observed outputs as evidence.
    func finding(_ kind: FindingKind, _ severity: Severity, _ confidence: Confidence, detail: String, expected: String = "", observed: String = "", offending: [Int] = [], expectedSegments: [DMASegment] = [], related: [AddressRange] = []) -> Finding {
        var expectedOut = expectedSegments
        if expectedOut.isEmpty, case .mapped(let r)? = self.expected { expectedOut = r.segments }
        let evidence = FindingEvidence(inputs: inputs, expected: expectedOut, observed: outputs, offendingObserved: offending, relatedRanges: related)
        return reference.finding(kind, severity, confidence, device: device.name, detail: detail, expected: expected, observed: observed, evidence: evidence)
    }
}
