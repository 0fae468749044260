"""Which offload a finding may ask for, so that an unsafe fix means "review it", never "crash".

An offload moves code from the loop to a worker thread. The engine asks for one only where that
thread can run it:

- code that needs the loop (:mod:`asynclint.analysis.affinity`) stays on it: the finding keeps
  a display-only fix that says why, and its route or dependency is not made ``def``;
- a thread-bound object (:mod:`asynclint.analysis.threadbound`) is never used call by call from
  threads: the statements that own it move together (``to-thread-block``), or, when the
  function only borrows it, the fix is display-only;
- an argument that blocks too goes to the thread with the call (``scope``: the whole
  expression, in one ``lambda``), and a lazy iterable goes there with the loop that consumes it
  (``to-thread-iter``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from asynclint.analysis import Edge, Node, Program
from asynclint.analysis.affinity import LoopNeed
from asynclint.analysis.threadbound import Borrowing, BoundObject, contains
from asynclint.facts import CallSite, FunctionFacts, Site
from asynclint.models import Applicability, Finding, Fix, Span

TO_THREAD = "to-thread"
TO_THREAD_ITER = "to-thread-iter"
TO_THREAD_BLOCK = "to-thread-block"


@dataclass(slots=True)
class Offloads:
    """The summaries the decisions need, for one analysis."""

    project: Program
    needs: dict[Node, LoopNeed]
    borrowing: dict[Node, Borrowing]

    def loop_need(self, node: Node) -> LoopNeed | None:
        """What the code of a loop function needs of the loop, if anything (then it must not
        become ``def``: FastAPI would run it in a worker thread)."""
        for edge in self.project.graph.edges(node):
            need = self.project.affinity.of_edge(edge, self.needs)
            if need is not None:
                return need
        return None

    def refine(
        self, node: Node, function: FunctionFacts, found: Sequence[tuple[Finding, Edge]]
    ) -> list[Finding]:
        """The findings of one loop function with the offloads they may ask for."""
        edges: dict[int, list[Edge]] = {}
        for edge in self.project.graph.edges(node):
            edges.setdefault(id(edge.site), []).append(edge)
        check = _FunctionCheck(self, node, function, edges)
        requested = [check.request(finding, edge) for finding, edge in found]
        return check.widen(requested, [edge.site for _, edge in found])


class _FunctionCheck:
    def __init__(
        self, offloads: Offloads, node: Node, function: FunctionFacts, edges: dict[int, list[Edge]]
    ) -> None:
        self.offloads = offloads
        self.project = offloads.project
        self.node = node
        self.function = function
        self.edges = edges

    # ---- one finding -------------------------------------------------------------------------

    def request(self, finding: Finding, edge: Edge) -> Finding:
        fix = finding.fix
        if fix is None or not self.function.is_async:
            return finding
        site = edge.site
        iterated = isinstance(site, Site) and site.kind == "iter"
        # A suggestion only (a `with` item, a loop) may still become an offload of the loop or
        # of the statements that own a thread-bound object.
        suggested = fix.applicability is Applicability.DISPLAY and not fix.kind
        if fix.kind != TO_THREAD and not suggested:
            return finding
        why = self._why_not_moved(site, edge)
        if why:
            return finding.with_fix(_display(finding, why))
        region = self._region(site)
        if isinstance(region, str):
            return finding.with_fix(_display(finding, region))
        if region is not None:
            return finding.with_fix(Fix(Applicability.UNSAFE, "", (), TO_THREAD_BLOCK, region))
        if suggested and not iterated:
            return finding
        if iterated:
            call = self._iterable_call(site)
            if call is None:
                return finding
            return finding.with_fix(Fix(Applicability.UNSAFE, "", (), TO_THREAD_ITER, _span(call)))
        if edge.sink is not None and edge.sink.blocking.lazy and isinstance(site, CallSite):
            if not self._iterated_here(site):
                why = (
                    f"`{site.text}()` does its work while its result is iterated: offload the"
                    " call together with the loop that consumes it"
                )
                return finding.with_fix(_display(finding, why))
            # No scope: the finding's own call is the iterable, and making it blocks too.
            return finding.with_fix(Fix(Applicability.UNSAFE, "", (), TO_THREAD_ITER))
        return finding

    def _why_not_moved(self, site: CallSite | Site, edge: Edge) -> str:
        """Why what this site runs must stay on the loop thread ("" when it may move)."""
        need = self._need(site)
        if need is not None:
            return f"not moved to a thread: {need.because()}"
        for target in edge.targets:
            borrowed = self.offloads.borrowing.get(target)
            if borrowed is not None:
                route = " → ".join((self.project.effects.label(target), *borrowed.through))
                return (
                    f"not moved to a thread: `{route}` uses a `{borrowed.type}` held elsewhere, "
                    "bound to the thread that uses it; run the code that opens and uses it in "
                    "one thread"
                )
        return ""

    def _need(self, site: CallSite | Site) -> LoopNeed | None:
        affinity = self.project.affinity
        for edge in self.edges.get(id(site), ()):
            need = affinity.of_edge(edge, self.offloads.needs)
            if need is not None:
                return need
        return None

    # ---- thread-bound objects ----------------------------------------------------------------

    def _region(self, site: CallSite | Site) -> Span | str | None:
        """The lines of the statements that own the thread-bound objects this site uses (None
        when it uses none), or why no region can move."""
        binding = self.project.threads
        module, receiver = self.node.module, self.node.receiver
        used = binding.used_by(site, module, receiver)
        if isinstance(site, CallSite):
            made = binding.made_by(site, module, receiver)
        else:
            made = binding.entered_by(site, module, receiver)
        if made is not None and made not in used:
            used.append(made)
        if not used:
            return None
        borrowed = [bound for bound in used if not bound.owned]
        if borrowed:
            return (
                f"not moved to a thread: it uses a `{borrowed[0].type}` it did not make here, "
                "bound to the thread that uses it; move the code that opens and uses it into "
                "one function and run that in a thread"
            )
        owned = [bound for bound in used if bound.owned]
        escaped = self._escapes(owned)
        if escaped is not None:
            return (
                f"not moved to a thread: the `{escaped.type}` made here outlives this "
                "function, and it is bound to the thread that made it"
            )
        sites = [other for other in self._sites() if self._touches(other, owned)]
        for other in sites:
            need = self._need(other)
            if need is not None:
                return f"not moved to a thread: {need.because()}"
        spans = [other.span for other in sites]
        first = min(spans)
        last = max(spans, key=lambda span: (span[2], span[3]))
        return Span(first[0], first[1], last[2], last[3])

    def _sites(self) -> list[CallSite | Site]:
        return [*self.function.calls, *(s for s in self.function.sites if s.kind != "read")]

    def _touches(self, site: CallSite | Site, owned: list[BoundObject]) -> bool:
        module, receiver = self.node.module, self.node.receiver
        binding = self.project.threads
        if isinstance(site, CallSite):
            made = binding.made_by(site, module, receiver)
            if made is not None and made.expr in [bound.expr for bound in owned]:
                return True
            parts: tuple = (site.callee, site.args)
        else:
            parts = (site.expr,)
            # `with make() as s`: the `with` that enters it makes it.
            if site.kind == "enter" and any(
                bound.expr[0] == "enter" and bound.expr[1] == site.expr for bound in owned
            ):
                return True
        return any(contains(parts, bound.expr) for bound in owned)

    def _escapes(self, owned: list[BoundObject]) -> BoundObject | None:
        """An owned object that leaves the function (returned or stored away)."""
        function = self.function
        leaving = [store.value for store in function.stores]
        if function.returned is not None:
            leaving.append(function.returned)
        binding = self.project.threads
        for value in leaving:
            kind = binding.bound_type(value, self.node.module, self.node.receiver)
            if kind is None:
                continue
            for bound in owned:
                if contains(value, bound.expr):
                    return bound
        return None

    # ---- iterables ---------------------------------------------------------------------------

    def _iterable_call(self, site: Site) -> CallSite | None:
        """The call a ``for``/comprehension iterates, when it iterates a call."""
        if site.expr[0] != "call":
            return None
        for call in self.function.calls:
            if (
                ("call", call.callee, call.args) == site.expr
                and (call.span[0], call.span[1]) >= (site.span[0], site.span[1])
                and _within(call.span, site.span)
            ):
                return call
        return None

    def _iterated_here(self, call: CallSite) -> bool:
        return any(
            site.kind == "iter" and self._iterable_call(site) is call
            for site in self.function.sites
        )

    # ---- whole expressions -------------------------------------------------------------------

    def widen(self, findings: list[Finding], sites: list[CallSite | Site]) -> list[Finding]:
        """A call whose arguments block too goes to the thread whole, with them: every finding
        inside it gets its span as ``scope`` (the fix engine offloads it in one ``lambda``)."""
        offloaded = [
            (finding, site)
            for finding, site in zip(findings, sites, strict=True)
            if isinstance(site, CallSite)
            and finding.fix is not None
            and finding.fix.kind == TO_THREAD
            and finding.fix.applicability is Applicability.UNSAFE
        ]
        scopes: dict[int, Span] = {}
        for _, site in offloaded:
            holders = [
                other
                for _, other in offloaded
                if other is not site and _within(site.span, other.span)
            ]
            inner = [
                other
                for _, other in offloaded
                if other is not site and _within(other.span, site.span)
            ]
            if not holders and not inner:
                continue
            outer = min(
                [site, *holders],
                key=lambda call: (call.span[0], call.span[1], -call.span[2], -call.span[3]),
            )
            if self._moves_loop_code(outer):
                continue
            scopes[id(site)] = _span(outer)
        if not scopes:
            return findings
        return [
            finding.with_fix(replace(finding.fix, scope=scopes[id(site)]))
            if id(site) in scopes and finding.fix is not None
            else finding
            for finding, site in zip(findings, sites, strict=True)
        ]

    def _moves_loop_code(self, outer: CallSite) -> bool:
        """Whether a call inside ``outer`` needs the loop (its arguments would move with it)."""
        return any(
            _within(call.span, outer.span) and self._need(call) is not None
            for call in self.function.calls
        )


def _display(finding: Finding, why: str) -> Fix:
    """A display-only fix whose description says why the code stays where it is (the finding's
    suggestion says what to do instead)."""
    return Fix(Applicability.DISPLAY, f"{why[0].upper()}{why[1:]}", (), "")


def _span(site: CallSite | Site) -> Span:
    return Span(*site.span)


def _within(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> bool:
    return (outer[0], outer[1]) <= (inner[0], inner[1]) and (inner[2], inner[3]) <= (
        outer[2],
        outer[3],
    )
