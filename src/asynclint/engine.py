"""Findings: a call in code running on the event loop whose callee blocks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from asynclint.analysis import Edge, FunctionId, Node, Program, Summary
from asynclint.analysis.resolve import function_of
from asynclint.catalog import Blocking
from asynclint.facts import CallSite, FunctionFacts
from asynclint.frameworks.fastapi import FastAPIModel, build_model
from asynclint.models import Applicability, ChainHop, Confidence, Dispatch, Finding, Fix, Span
from asynclint.offloads import Offloads
from asynclint.rules import get_rule


@dataclass(frozen=True, slots=True)
class Analysis:
    findings: list[Finding]
    by_function: dict[FunctionId, list[Finding]]
    # Calls that block on their first run only (cached or memoised work), not reported by
    # default: ``routes`` shows them as "first call only".
    first_call: dict[FunctionId, list[Finding]] = field(default_factory=dict)


# Code that runs once when the app starts or stops: there, the first call is the call.
_RUNS_ONCE = ("lifespan", "startup handler", "shutdown handler")


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
    # What an offload may move: loop-bound code stays, thread-bound objects move with their owner.
    offloads = Offloads(
        project, project.affinity.summarise(roots), project.threads.summarise(roots)
    )
    findings: list[Finding] = []
    by_function: dict[FunctionId, list[Finding]] = {}
    first_call: dict[FunctionId, list[Finding]] = {}
    for root in roots:
        fid = root.fid
        function = project.function(fid)
        if function is None:
            continue
        context = model.contexts.get(fid) or _default_context(function)
        at_start = context in _RUNS_ONCE
        # One finding per call site (a wrapped call has two edges): the preferred chain wins,
        # whichever edge came first.
        by_site: dict[int, tuple[Finding, Edge]] = {}
        for edge in project.graph.edges(root):
            finding = _finding(project, fid, function, edge, summaries, context, at_start)
            if finding is None:
                continue
            kept = by_site.get(id(edge.site))
            if kept is None or _preference(finding) < _preference(kept[0]):
                by_site[id(edge.site)] = (finding, edge)
        for finding in offloads.refine(root, function, _one_per_position(by_site.values())):
            if finding.once:
                first_call.setdefault(fid, []).append(finding)
                if not include_low_confidence:
                    continue
                finding = replace(finding, confidence=Confidence.LOW)
            elif finding.confidence is Confidence.LOW and not include_low_confidence:
                continue
            findings.append(finding)
            by_function.setdefault(fid, []).append(finding)
    _offer_make_sync(project, model, offloads, by_function, findings)
    return Analysis(findings, by_function, first_call)


def _preference(finding: Finding) -> tuple[bool, bool, int, int]:
    """Sorts the finding a call site shows first: certain, every call, most severe, shortest."""
    return (
        finding.confidence is Confidence.LOW,
        finding.once,
        finding.severity.rank,
        len(finding.chain),
    )


def _one_per_position(found: Iterable[tuple[Finding, Edge]]) -> list[tuple[Finding, Edge]]:
    """One finding per position: ``conn.execute(q).fetchall()`` and ``self.repo.get()`` start
    where ``conn.execute(q)`` and the read of ``self.repo`` start; the preferred one is reported
    and counts the blocking calls of the others."""
    by_start: dict[tuple[int, int], list[tuple[Finding, Edge]]] = {}
    for finding, edge in found:
        by_start.setdefault((finding.span.line, finding.span.column), []).append((finding, edge))
    kept = []
    for group in by_start.values():
        # Equally severe: the inner call, which runs first (`open(p)` of `open(p).read()`).
        group.sort(
            key=lambda pair: (
                *_preference(pair[0])[:3],
                pair[0].span.end_line,
                pair[0].span.end_column,
            )
        )
        best, edge = group[0]
        if len(group) > 1:
            others = list(best.others)
            for other, _ in group[1:]:
                for hop in (_sink_hop(other), *other.others):
                    if hop not in others and hop != _sink_hop(best):
                        others.append(hop)
            best = replace(best, others=tuple(others))
        kept.append((best, edge))
    return kept


def _sink_hop(finding: Finding) -> ChainHop:
    """The blocking call a finding ends at, and where it is written."""
    if finding.chain:
        return finding.chain[-1]
    return ChainHop(finding.target, finding.path, finding.span.line)


def _offer_make_sync(
    project: Program,
    model: FastAPIModel,
    offloads: Offloads,
    by_function: dict[FunctionId, list[Finding]],
    findings: list[Finding],
) -> None:
    """An async route/dependency that never awaits can become ``def``: FastAPI then runs it in
    the threadpool. Only when no project code calls it (a caller awaiting it would break) and
    nothing it runs needs the loop (a worker thread has none)."""
    candidates = {
        fid
        for fid in by_function
        if model.contexts.get(fid, "").startswith(("async route", "dependency"))
        and (function := project.function(fid)) is not None
        and function.is_async
        and not function.awaits
        and not function.is_generator
        and offloads.loop_need(Node(*fid)) is None
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
        kind = "route" if model.contexts[fid].startswith("async route") else "dependency"
        name = fid[1].rsplit(".", 1)[-1]
        simplest = (
            f"make `{name}` a plain `def`: it awaits nothing, and FastAPI runs a `def` {kind} "
            "in its threadpool"
        )
        for finding in by_function[fid]:
            fix = finding.fix
            if fix is None or fix.applicability is not Applicability.SAFE:
                fix = Fix(Applicability.UNSAFE, "", (), "make-sync")
            suggestion = finding.suggestion
            if fix.applicability is not Applicability.SAFE:  # a safe edit is simpler still
                suggestion = f"{simplest}; or {suggestion}" if suggestion else simplest
            new = replace(finding.with_fix(fix), suggestion=suggestion)
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
    at_start: bool = False,
) -> Finding | None:
    """The finding of one edge of loop code (``at_start``: code that runs once anyway, where
    cached work blocks as much as any other)."""
    site = edge.site
    path = project.path_of(fid[0])
    dispatch: Dispatch | None = None
    is_call = isinstance(site, CallSite)
    shown = f"`{site.text}()`" if is_call else _site_phrase(site.kind, site.text)
    others: tuple[ChainHop, ...] = ()
    if edge.sink is not None:
        sink, chain, confidence, once = edge.sink, (), Confidence.HIGH, edge.once
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
        callee = min(blocking, key=lambda target: summaries[target].preference())
        summary = summaries[callee]
        sink = summary.sink
        chain = (*project.effects.first_hops(edge, callee, fid[0]), *summary.hops)
        confidence = summary.confidence if edge.confident else Confidence.LOW
        once = summary.once or edge.once
        route = " → ".join(
            _hop_label(hop, index == len(chain) - 1) for index, hop in enumerate(chain)
        )
        message = f"{shown} blocks the event loop in {context}: {route}"
        if edge.dispatch:
            # Counted by function: one body reached for two receivers is one implementation.
            blocking_count = len({target.fid for target in blocking})
            total = len({target.fid for target in edge.targets})
            message += _implementations_note(edge.dispatch, blocking_count, total)
            dispatch = Dispatch(edge.dispatch, blocking_count, total)
        others = _other_calls(project, blocking, chain[-1], confidence, bool(once))
    if others:
        message += f" (+{len(others)} other blocking call{'s' if len(others) > 1 else ''})"
    if at_start:
        once = ""
    if once:
        message += f"; on the first call only: `{_short(once)}` caches its result"
    code = sink.blocking.code
    rule = get_rule(code)
    line, column, end_line, end_column = site.span
    suggestion = _help(sink.blocking, sink.name, "" if chain else site.text)
    if chain and suggestion:
        # The call at hand can be offloaded; the blocking call itself is further down.
        where = f"`{sink.name.removeprefix('builtins.')}` in `{_hop_label(chain[-2], False)}`"
        suggestion = f"the blocking call is {where}: {suggestion}"
        if is_call and function.is_async:
            offload = f"offload the call: `await asyncio.to_thread({site.text}, ...)`"
            suggestion = f"{offload}; {suggestion}"
    return Finding(
        code=code,
        name=rule.name if rule else code,
        message=message,
        path=path,
        span=Span(line, column, end_line, end_column),
        suggestion=suggestion,
        chain=chain,
        # `await` is only possible in async code; sync code run on the loop gets a suggestion.
        fix=_requested_fix(
            sink.blocking,
            suggestion,
            is_call and function.is_async and not _entered(function, site),
            not chain,
        ),
        confidence=confidence,
        context=context,
        function=project.display_name(fid),
        snippet=site.text,
        target=sink.name,
        dispatch=dispatch,
        severity=sink.blocking.severity,
        others=others,
        once=bool(once),
    )


def _other_calls(
    project: Program, blocking: list[Node], shown: ChainHop, confidence: Confidence, once: bool
) -> tuple[ChainHop, ...]:
    """The blocking calls the callee(s) reach besides the one the chain shows, through the
    edges the chain was allowed to take."""
    found: list[ChainHop] = []
    for target in blocking:
        for _, hop in project.effects.blocking_calls(target, confidence is Confidence.HIGH, once):
            if hop != shown and hop not in found:
                found.append(hop)
    return tuple(found)


def _help(blocking: Blocking, sink: str, call: str) -> str:
    """The catalog's suggestion for the call actually made (catalog templates): ``{name}`` is
    the blocking callable (``os.makedirs``), ``{method}`` its last name (``post``), ``{call}``
    the call as written (``self.session.post``), or the callable when the call is reached
    through helpers."""
    text = blocking.suggestion
    if "{" not in text:
        return text
    name = sink.removeprefix("builtins.")
    return (
        text.replace("{name}", name)
        .replace("{method}", name.rsplit(".", 1)[-1])
        .replace("{call}", call or name)
    )


def _requested_fix(
    blocking: Blocking, suggestion: str, mechanical: bool, direct: bool
) -> Fix | None:
    """The fix the engine asks for; ``asynclint.fixes`` fills in (or refuses) the edits.

    Where no edit is right (sync code on the loop, `with` items, loops) the suggestion is
    offered as a display-only fix.
    """
    if not mechanical:
        if suggestion:
            return Fix(Applicability.DISPLAY, suggestion, (), "")
        return None
    if direct and blocking.fix == "asyncio-sleep":
        return Fix(Applicability.SAFE, "", (), "asyncio-sleep")
    return Fix(Applicability.UNSAFE, "", (), "to-thread")


def _entered(function: FunctionFacts, site: object) -> bool:
    """A call that is a `with` item: offloading the call alone would still enter and leave the
    context manager on the loop, so no mechanical fix is offered (the suggestion stays)."""
    span = getattr(site, "span", None)
    return any(other.kind == "enter" and other.span == span for other in function.sites)


def _implementations_note(method: str, blocking: int, total: int) -> str:
    """Said when the call reaches several implementations of a method."""
    if blocking == total:
        return f" (every implementation of `{method}` blocks)" if total > 1 else ""
    return f" (in {blocking} of {total} implementations of `{method}`)"


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
