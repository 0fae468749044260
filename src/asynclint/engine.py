"""Findings: a call in code running on the event loop whose callee blocks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from asynclint.analysis import Edge, FunctionId, Node, Program, Summary
from asynclint.analysis.resolve import function_of
from asynclint.catalog import Blocking
from asynclint.facts import CallSite, FunctionFacts
from asynclint.frameworks.fastapi import FastAPIModel, build_model
from asynclint.models import Applicability, ChainHop, Confidence, Dispatch, Finding, Fix, Span
from asynclint.rules import get_rule


@dataclass(frozen=True, slots=True)
class Analysis:
    findings: list[Finding]
    by_function: dict[FunctionId, list[Finding]]


def run_analysis(
    project: Program, targets: Iterable[str], *, include_low_confidence: bool
) -> tuple[FastAPIModel, Analysis]:
    """The FastAPI model and the findings of the ``targets`` modules, loading what they need.

    Each phase is settled before the next starts, so that a round of loading repeats only the
    phase that asked for it: what runs where (the model), what the loop code reaches (the call
    graph), then the summaries and findings, once.
    """
    model = FastAPIModel()

    def build() -> None:
        nonlocal model
        model = build_model(project, list(project.facts))

    project.settle(build)
    modules = set(targets)
    loop = model.loop_sync
    exploration = project.effects.exploration()
    position = 0

    def explore() -> None:
        # Each round walks only from what it made new: the loop functions among the functions
        # loaded (or grown) since the last round, and the nodes a miss left provisional.
        nonlocal position
        position, added = project.store.functions_since(position)
        exploration.visit(
            Node(module, function.qualname)
            for module, function in added
            if module in modules and (function.is_async or (module, function.qualname) in loop)
        )

    project.settle(explore)
    analysis = Analysis([], {})

    def conclude() -> None:
        nonlocal analysis
        loaded = [module for module in modules if module in project.facts]
        roots = loop_functions(project, loaded, model)
        analysis = analyse(project, roots, model, include_low_confidence=include_low_confidence)

    project.settle(conclude)
    return model, analysis


def loop_functions(project: Program, modules: Iterable[str], model: FastAPIModel) -> list[Node]:
    """Functions whose bodies run on the loop: every ``async def`` plus FastAPI's exceptions."""
    roots: list[Node] = []
    for module in sorted(modules):
        facts = project.module_facts(module)
        if facts is None:
            continue
        for function in facts.functions.values():
            fid = (module, function.qualname)
            if function.is_async or fid in model.loop_sync:
                roots.append(Node(module, function.qualname))
    return roots


def analyse(
    project: Program,
    roots: list[Node],
    model: FastAPIModel,
    *,
    include_low_confidence: bool,
) -> Analysis:
    summaries = project.effects.summarise(roots)
    findings: list[Finding] = []
    by_function: dict[FunctionId, list[Finding]] = {}
    for root in roots:
        fid = root.fid
        function = project.function(fid)
        if function is None:
            continue
        context = model.contexts.get(fid) or _default_context(function)
        # One finding per call site (a wrapped call has two edges): a certain chain wins over
        # a guessed one, whichever edge came first.
        by_site: dict[int, Finding] = {}
        for edge in project.graph.edges(root):
            finding = _finding(project, fid, function, edge, summaries, context)
            if finding is None:
                continue
            kept = by_site.get(id(edge.site))
            if kept is None or (
                kept.confidence is Confidence.LOW and finding.confidence is Confidence.HIGH
            ):
                by_site[id(edge.site)] = finding
        for finding in by_site.values():
            if finding.confidence is Confidence.LOW and not include_low_confidence:
                continue
            findings.append(finding)
            by_function.setdefault(fid, []).append(finding)
    _offer_make_sync(project, model, by_function, findings)
    return Analysis(findings, by_function)


def _offer_make_sync(
    project: Program,
    model: FastAPIModel,
    by_function: dict[FunctionId, list[Finding]],
    findings: list[Finding],
) -> None:
    """An async route/dependency that never awaits can become ``def``: FastAPI then runs it in
    the threadpool. Only when no project code calls it (a caller awaiting it would break)."""
    candidates = {
        fid
        for fid in by_function
        if model.contexts.get(fid, "").startswith(("async route", "dependency"))
        and (function := project.function(fid)) is not None
        and function.is_async
        and not function.awaits
        and not function.is_generator
    }
    if not candidates:
        return
    for module, facts in list(project.facts.items()):
        for function in list(facts.functions.values()):
            if function.qualname in facts.masked:
                project.function((module, function.qualname))  # its calls count: parse it
                continue
            for call in function.calls:
                reference = function_of(project.evaluate(call.callee, module))
                if reference is not None:
                    candidates.discard((reference.module, reference.qualname))
    replaced: dict[int, Finding] = {}
    for fid in candidates:
        upgraded = []
        for finding in by_function[fid]:
            fix = finding.fix
            if fix is None or fix.applicability is not Applicability.SAFE:
                fix = Fix(Applicability.UNSAFE, "", (), "make-sync")
            new = finding.with_fix(fix)
            replaced[id(finding)] = new
            upgraded.append(new)
        by_function[fid] = upgraded
    findings[:] = [replaced.get(id(item), item) for item in findings]


def _default_context(function: FunctionFacts) -> str:
    kind = "async function" if function.is_async else "function running on the event loop"
    return f"{kind} `{function.qualname.replace('.<locals>.', '.')}`"


def _finding(
    project: Program,
    fid: FunctionId,
    function: FunctionFacts,
    edge: Edge,
    summaries: dict[Node, Summary],
    context: str,
) -> Finding | None:
    site = edge.site
    path = project.path_of(fid[0])
    dispatch: Dispatch | None = None
    is_call = isinstance(site, CallSite)
    shown = f"`{site.text}()`" if is_call else _site_phrase(site.kind, site.text)
    if edge.sink is not None:
        sink, chain, confidence = edge.sink, (), Confidence.HIGH
        target = sink.name
        aside = (
            f" (`{sink.name}`)"
            if is_call and sink.name not in (site.text, _short(site.text))
            else ""
        )
        message = f"{shown}{aside} blocks the event loop in {context}"
    else:
        blocking = [target for target in edge.targets if target in summaries]
        if not blocking:
            return None
        callee = min(blocking, key=lambda target: summaries[target].length)
        summary = summaries[callee]
        sink = summary.sink
        chain = (*project.effects.first_hops(edge, callee, fid[0]), *summary.hops)
        confidence = summary.confidence if edge.confident else Confidence.LOW
        target = sink.name
        route = " → ".join(
            _hop_label(hop, index == len(chain) - 1) for index, hop in enumerate(chain)
        )
        message = f"{shown} blocks the event loop in {context}: {route}"
        if edge.dispatch:
            message += _implementations_note(edge, len(blocking))
            dispatch = Dispatch(edge.dispatch, len(blocking), len(edge.targets))
    code = sink.blocking.code
    rule = get_rule(code)
    line, column, end_line, end_column = site.span
    return Finding(
        code=code,
        name=rule.name if rule else code,
        message=message,
        path=path,
        span=Span(line, column, end_line, end_column),
        suggestion=sink.blocking.suggestion,
        chain=chain,
        # `await` is only possible in async code; sync code run on the loop gets a suggestion.
        fix=_requested_fix(
            sink.blocking,
            is_call and function.is_async and not _entered(function, site),
            not chain,
        ),
        confidence=confidence,
        context=context,
        function=project.display_name(fid),
        snippet=site.text,
        target=target,
        dispatch=dispatch,
    )


def _requested_fix(blocking: Blocking, mechanical: bool, direct: bool) -> Fix | None:
    """The fix the engine asks for; ``asynclint.fixes`` fills in (or refuses) the edits.

    Where no edit is right (sync code on the loop, `with` items, loops) the suggestion is
    offered as a display-only fix.
    """
    if not mechanical:
        if blocking.suggestion:
            return Fix(Applicability.DISPLAY, blocking.suggestion, (), "")
        return None
    if direct and blocking.fix == "asyncio-sleep":
        return Fix(Applicability.SAFE, "", (), "asyncio-sleep")
    return Fix(Applicability.UNSAFE, "", (), "to-thread")


def _entered(function: FunctionFacts, site: object) -> bool:
    """A call that is a `with` item: offloading the call alone would still enter and leave the
    context manager on the loop, so no mechanical fix is offered (the suggestion stays)."""
    span = getattr(site, "span", None)
    return any(other.kind == "enter" and other.span == span for other in function.sites)


def _implementations_note(edge: Edge, blocking: int) -> str:
    """Said when the call reaches several implementations of a method."""
    total = len(edge.targets)
    if blocking == total:
        return f" (every implementation of `{edge.dispatch}` blocks)" if total > 1 else ""
    return f" (in {blocking} of {total} implementations of `{edge.dispatch}`)"


def _site_phrase(kind: str, text: str) -> str:
    verb = {"enter": "entering", "read": "reading"}.get(kind, "iterating")
    return f"{verb} `{text}`"


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _hop_label(hop: ChainHop, is_sink: bool) -> str:
    """``app.services.Repo.load`` -> ``Repo.load``; the catalog call at the end stays whole."""
    if is_sink:
        return hop.name
    parts = hop.name.split(".")
    if len(parts) >= 2 and parts[-2][:1].isupper():
        return ".".join(parts[-2:])
    return parts[-1]
