"""GitLab Code Quality report: a JSON array GitLab shows in merge requests."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from asynclint.baseline import occurrence_fingerprints
from asynclint.models import Finding
from asynclint.report.levels import level
from asynclint.report.options import ReportOptions

UNPARSABLE_CODE = "AL001"


def _severity(finding: Finding) -> str:
    if finding.code == UNPARSABLE_CODE:
        return "critical"
    return level(finding, ("major", "minor", "info"))


def _description(finding: Finding) -> str:
    if finding.suggestion:
        return f"{finding.message} (help: {finding.suggestion})"
    return finding.message


def _issue(finding: Finding, unique_fingerprint: str) -> dict[str, Any]:
    return {
        "description": _description(finding),
        "check_name": finding.code,
        "fingerprint": hashlib.sha256(unique_fingerprint.encode("utf-8")).hexdigest(),
        "severity": _severity(finding),
        "location": {
            "path": finding.path,
            "lines": {"begin": finding.span.line, "end": finding.span.end_line},
        },
    }


def render(findings: Sequence[Finding], options: ReportOptions) -> str:
    issues = [
        _issue(finding, unique)
        for finding, unique in zip(findings, occurrence_fingerprints(findings), strict=True)
    ]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
