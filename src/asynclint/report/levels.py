"""How loud each report format says a finding is: its severity, one step quieter when a hop of
its chain is a guess (decision 0040)."""

from __future__ import annotations

from asynclint.models import Confidence, Finding, Severity

_ORDER = (Severity.HIGH, Severity.MEDIUM, Severity.LOW)


def effective_severity(finding: Finding) -> Severity:
    """The finding's severity, lowered one step at low confidence."""
    severity = finding.severity
    if finding.confidence is Confidence.LOW:
        severity = _ORDER[min(_ORDER.index(severity) + 1, len(_ORDER) - 1)]
    return severity


def level(finding: Finding, names: tuple[str, str, str]) -> str:
    """``names`` for high, medium and low, picked for the finding."""
    return names[_ORDER.index(effective_severity(finding))]
