"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

import asynclint
from asynclint.baseline import occurrence_fingerprints
from asynclint.models import Edit, Finding, Severity, Span
from asynclint.report.levels import level
from asynclint.report.options import ReportOptions
from asynclint.rules import Rule, all_rules

_LEVELS = {Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/asynclint/asynclint"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "asynclint/v1"


def tool_version() -> str:
    version = getattr(asynclint, "__version__", None)
    if isinstance(version, str):
        return version
    try:
        return metadata.version("asynclint")
    except metadata.PackageNotFoundError:
        return "0.0.0+unknown"


def artifact_location(path: str) -> dict[str, str]:
    """Relative paths are relative to the source root; absolute ones become file URIs."""
    windows = PureWindowsPath(path)
    if windows.drive and windows.is_absolute():
        return {"uri": windows.as_uri()}
    posix = PurePosixPath(path.replace("\\", "/"))
    if posix.is_absolute():
        return {"uri": posix.as_uri()}
    return {"uri": quote(posix.as_posix(), safe="/"), "uriBaseId": SRCROOT}


def _region(span: Span) -> dict[str, int]:
    return {
        "startLine": span.line,
        "startColumn": span.column,
        "endLine": span.end_line,
        "endColumn": span.end_column,
    }


def _physical(path: str, region: dict[str, int]) -> dict[str, Any]:
    return {"physicalLocation": {"artifactLocation": artifact_location(path), "region": region}}


def _doc_renderer(name: str) -> Callable[[Rule], str] | None:
    try:
        from asynclint import ruledocs  # type: ignore[attr-defined]
    except ImportError:
        return None
    renderer = getattr(ruledocs, name, None)
    return renderer if callable(renderer) else None


def _help_from_fields(rule: Rule) -> tuple[str, str]:
    sections = [
        ("What it does", rule.what_it_does),
        ("Why is this bad?", rule.why_bad),
        ("Example", rule.example),
        ("Use instead", rule.use_instead),
        ("Fix safety", rule.fix_safety),
    ]
    present = [(title, body.strip()) for title, body in sections if body.strip()]
    text = "\n\n".join(f"{title}\n{body}" for title, body in present)
    markdown_parts = []
    for title, body in present:
        if title in ("Example", "Use instead"):
            body = f"```python\n{body}\n```"
        markdown_parts.append(f"## {title}\n{body}")
    return text, "\n\n".join(markdown_parts)


def _rendered(renderer_name: str, rule: Rule, fallback: str) -> str:
    renderer = _doc_renderer(renderer_name)
    if renderer is None:
        return fallback
    try:
        return renderer(rule) or fallback
    except (TypeError, AttributeError, KeyError):
        return fallback


def _rule_help(rule: Rule) -> dict[str, str]:
    text, markdown = _help_from_fields(rule)
    return {
        "text": _rendered("render_text", rule, text or rule.summary),
        "markdown": _rendered("render_markdown", rule, markdown or rule.summary),
    }


def _rule_descriptor(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.what_it_does.strip() or rule.summary},
        "help": _rule_help(rule),
        "helpUri": rule.url,
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
    }


def _unregistered_descriptor(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.code,
        "name": finding.name,
        "shortDescription": {"text": finding.name or finding.code},
    }


def _fixes(finding: Finding) -> list[dict[str, Any]]:
    fix = finding.fix
    if fix is None or not fix.edits:
        return []

    def replacement(edit: Edit) -> dict[str, Any]:
        return {"deletedRegion": _region(edit.span), "insertedContent": {"text": edit.content}}

    change = {
        "artifactLocation": artifact_location(finding.path),
        "replacements": [replacement(edit) for edit in fix.edits],
    }
    return [{"description": {"text": fix.description or "Apply fix"}, "artifactChanges": [change]}]


def _chain_locations(finding: Finding) -> list[dict[str, Any]]:
    return [
        {
            "id": index,
            **_physical(hop.path, {"startLine": hop.line}),
            "message": {"text": f"step {index}: calls {hop.name}"},
        }
        for index, hop in enumerate(finding.chain, start=1)
    ]


def _code_flows(finding: Finding) -> list[dict[str, Any]]:
    steps = [
        {
            "location": {
                **_physical(hop.path, {"startLine": hop.line}),
                "message": {"text": hop.name},
            },
            "nestingLevel": depth,
        }
        for depth, hop in enumerate(finding.chain)
    ]
    return [
        {
            "message": {"text": " -> ".join(h.name for h in finding.chain)},
            "threadFlows": [{"locations": steps}],
        }
    ]


def _message(finding: Finding) -> str:
    if finding.suggestion:
        return f"{finding.message}\nhelp: {finding.suggestion}"
    return finding.message


def _result(finding: Finding, rule_index: int, unique_fingerprint: str) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": level(finding, ("error", "warning", "note")),
        "message": {"text": _message(finding)},
        "locations": [_physical(finding.path, _region(finding.span))],
        "partialFingerprints": {FINGERPRINT_KEY: unique_fingerprint},
        "properties": {
            "confidence": finding.confidence.value,
            "severity": finding.severity.value,
        },
    }
    if finding.context:
        result["properties"]["context"] = finding.context
    if finding.chain:
        result["relatedLocations"] = _chain_locations(finding)
        result["codeFlows"] = _code_flows(finding)
    fixes = _fixes(finding)
    if fixes:
        result["fixes"] = fixes
    return result


def build_log(findings: Sequence[Finding], source_root: Path | None = None) -> dict[str, Any]:
    """The SARIF log as a dict (``render`` serialises it). Relative paths are relative to
    ``source_root``, named as ``%SRCROOT%`` when given."""
    descriptors = [_rule_descriptor(rule) for rule in all_rules().values()]
    index = {descriptor["id"]: position for position, descriptor in enumerate(descriptors)}
    for finding in findings:
        if finding.code not in index:
            index[finding.code] = len(descriptors)
            descriptors.append(_unregistered_descriptor(finding))
    results = [
        _result(finding, index[finding.code], unique)
        for finding, unique in zip(findings, occurrence_fingerprints(findings), strict=True)
    ]
    driver = {
        "name": "asynclint",
        "version": tool_version(),
        "informationUri": INFORMATION_URI,
        "rules": descriptors,
    }
    run: dict[str, Any] = {"tool": {"driver": driver}}
    if source_root is not None:
        # A folder's URI ends with a slash, or relative URIs would resolve against its parent.
        run["originalUriBaseIds"] = {SRCROOT: {"uri": source_root.as_uri().rstrip("/") + "/"}}
    run.update({"columnKind": "unicodeCodePoints", "results": results})
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(findings: Sequence[Finding], options: ReportOptions) -> str:
    log = build_log(findings, options.source_root)
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
