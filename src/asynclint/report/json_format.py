"""Machine-readable JSON in ruff's shape: a list of findings with 1-based positions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from asynclint.models import Edit, Finding, Fix
from asynclint.report.options import ReportOptions
from asynclint.rules import get_rule


def _edit(edit: Edit) -> dict[str, Any]:
    return {
        "content": edit.content,
        "location": {"line": edit.span.line, "column": edit.span.column},
        "end_location": {"line": edit.span.end_line, "column": edit.span.end_column},
    }


def _fix(fix: Fix | None) -> dict[str, Any] | None:
    if fix is None:
        return None
    return {
        "applicability": fix.applicability.value,
        "description": fix.description,
        "edits": [_edit(edit) for edit in fix.edits],
    }


def rule_url(code: str) -> str | None:
    rule = get_rule(code)
    return rule.url if rule is not None else None


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "name": finding.name,
        "message": finding.message,
        "path": finding.path,
        "line": finding.span.line,
        "column": finding.span.column,
        "end_line": finding.span.end_line,
        "end_column": finding.span.end_column,
        "suggestion": finding.suggestion or None,
        "confidence": finding.confidence.value,
        "severity": finding.severity.value,
        "first_call_only": finding.once,
        "context": finding.context or None,
        "fix": _fix(finding.fix),
        "chain": [{"name": hop.name, "path": hop.path, "line": hop.line} for hop in finding.chain],
        "others": [
            {"name": hop.name, "path": hop.path, "line": hop.line} for hop in finding.others
        ],
        "implementations": (
            {
                "method": finding.dispatch.method,
                "blocking": finding.dispatch.blocking,
                "total": finding.dispatch.total,
            }
            if finding.dispatch is not None
            else None
        ),
        "url": rule_url(finding.code),
    }


def render(findings: Sequence[Finding], options: ReportOptions) -> str:
    return json.dumps([finding_to_dict(f) for f in findings], indent=2, ensure_ascii=False) + "\n"
