"""``asynclint routes``: every route, where it runs, and whether handling it blocks the loop."""

from __future__ import annotations

import json
from dataclasses import dataclass

from asynclint.analysis import FunctionId, Program
from asynclint.analysis.resolve import function_of
from asynclint.api import Session
from asynclint.frameworks.fastapi import FastAPIModel, Route
from asynclint.models import Finding


@dataclass(frozen=True, slots=True)
class RouteRow:
    methods: tuple[str, ...]
    path: str
    handler: str
    file: str
    line: int
    runs_on: str
    findings: tuple[Finding, ...]
    # Blocking calls of cached or memoised work: the first request pays them, not the others.
    first_call: tuple[Finding, ...] = ()

    @property
    def blocking(self) -> bool:
        return bool(self.findings)


def route_rows(session: Session) -> list[RouteRow]:
    """The routes whose handler is in a named file, each judged by all the code it runs
    (open the session with ``whole_project=True``: that code may be anywhere)."""
    project, model, analysis = session.project, session.model, session.analysis
    # Routes are judged by a fresh analysis: a run answered from the run cache has none.
    assert project is not None and model is not None and analysis is not None
    named = set(session.files.targets)
    rows = []
    for route in model.routes:
        handler = project.function(route.handler)
        if handler is None or project.index.by_name.get(route.handler[0]) not in named:
            continue
        findings: list[Finding] = []
        first_call: list[Finding] = []
        for fid in _loop_functions(project, model, route):
            findings.extend(analysis.by_function.get(fid, ()))
            first_call.extend(
                finding for finding in analysis.first_call.get(fid, ()) if finding not in findings
            )
        findings.sort(key=Finding.sort_key)
        first_call.sort(key=Finding.sort_key)
        rows.append(
            RouteRow(
                methods=route.methods,
                path=route.path,
                handler=project.display_name(route.handler),
                file=project.path_of(route.handler[0]),
                line=handler.span[0],
                runs_on="event-loop" if handler.is_async else "threadpool",
                findings=tuple(findings),
                first_call=tuple(first_call),
            )
        )
    return rows


def _loop_functions(project: Program, model: FastAPIModel, route: Route) -> list[FunctionId]:
    """The route's code that runs on the loop, and the async functions it calls, transitively."""
    starts = [
        route.handler,
        *route.wrappers,
        *route.dependencies,
        *route.background_tasks,
        *route.streamed,
    ]
    pending = [fid for fid in starts if _is_async(project, fid)]
    pending += [fid for fid in route.validators if fid in model.loop_sync]
    seen: list[FunctionId] = []
    while pending:
        fid = pending.pop(0)
        if fid in seen:
            continue
        seen.append(fid)
        function = project.function(fid)
        if function is None:
            continue
        for call in function.calls:
            reference = function_of(project.evaluate(call.callee, fid[0]))
            if reference is not None and _is_async(project, (reference.module, reference.qualname)):
                pending.append((reference.module, reference.qualname))
    return seen


def _is_async(project: Program, fid: FunctionId) -> bool:
    function = project.function(fid)
    return function is not None and function.is_async


def render_routes_json(rows: list[RouteRow]) -> str:
    return json.dumps(
        [
            {
                "methods": list(row.methods),
                "path": row.path,
                "handler": row.handler,
                "file": row.file,
                "line": row.line,
                "runs_on": row.runs_on,
                "blocking": row.blocking,
                "findings": [_finding_json(finding) for finding in row.findings],
                "first_call_only": [_finding_json(finding) for finding in row.first_call],
            }
            for row in rows
        ],
        indent=2,
    )


def _finding_json(finding: Finding) -> dict[str, object]:
    return {
        "code": finding.code,
        "severity": finding.severity.value,
        "path": finding.path,
        "line": finding.line,
        "message": finding.message,
        "chain": [{"name": hop.name, "path": hop.path, "line": hop.line} for hop in finding.chain],
    }


def render_routes_text(rows: list[RouteRow]) -> str:
    if not rows:
        return "No FastAPI routes found."
    table = [("METHODS", "PATH", "HANDLER", "RUNS ON", "BLOCKS LOOP")]
    for row in rows:
        if row.blocking:
            first = min(row.findings, key=lambda item: item.severity.rank)
            verdict = f"yes ({first.severity.value}): {first.code} {first.path}:{first.line}"
        elif row.first_call:
            first = row.first_call[0]
            verdict = f"first call only: {first.code} {first.path}:{first.line}"
        else:
            verdict = "no"
        table.append(
            (
                ",".join(row.methods),
                row.path,
                f"{row.handler} ({row.file}:{row.line})",
                row.runs_on,
                verdict,
            )
        )
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]) - 1)]
    lines = []
    for line in table:
        cells = [cell.ljust(width) for cell, width in zip(line[:-1], widths, strict=False)]
        lines.append("  ".join([*cells, line[-1]]).rstrip())
    blocking = sum(1 for row in rows if row.blocking)
    first_call = sum(1 for row in rows if not row.blocking and row.first_call)
    lines.append("")
    summary = f"{len(rows)} routes, {blocking} blocking the event loop"
    if first_call:
        summary += f", {first_call} on their first call only"
    lines.append(summary + ".")
    return "\n".join(lines)
