"""Summaries to a fixpoint over the call graph: which sync functions may block, and why.

Breadth-first from the sinks backwards, so cycles terminate. The summaries are computed in
layers, each adding summaries only to the functions that have none yet, so a function keeps the
chain of the first layer that reaches it:

1. by trust: confident edges first; guessed hops only give a (low confidence) chain to functions
   that have no confident one;
2. by frequency: edges that run their callee on every call first; *once* edges (a cached
   function, a memoised branch) only give a first-call-only chain to functions that block on no
   other path (decision 0041);
3. by severity: within each of those, chains to high severity sinks first, then medium, then
   low, so a function that reaches a network call and a metadata syscall is summarised by the
   network call (decision 0040); breadth-first within a severity keeps chains short.

An edge with several targets (the implementations of a method) blocks when any of them does.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from asynclint.analysis.callgraph import CallGraph, Edge, Node, Sink
from asynclint.analysis.store import FactsStore
from asynclint.analysis.values import ClassRef, Instance
from asynclint.models import ChainHop, Confidence, Severity

# (confident edges only, once edges too), in the order their summaries are preferred.
_LAYERS = ((True, False), (True, True), (False, False), (False, True))
# At most this many other blocking calls are listed for one finding.
MAX_OTHERS = 50

S = TypeVar("S")


@dataclass(frozen=True, slots=True, eq=False)
class Summary:
    """Why a sync function may block: the hops from its body down to the catalog call.

    The chain is shared, not copied: a summary holds its own first hops and the summary of the
    callee it goes through (``below``), so that N functions calling each other in a line cost N
    hops, not N * N / 2. :attr:`hops` spells the whole chain out, for a finding. ``once``: the
    chain goes through work that runs once (cached, memoised): it blocks on the first call only;
    this names the function that caches."""

    sink: Sink
    head: tuple[ChainHop, ...]
    confidence: Confidence
    below: Summary | None = None
    length: int = 0  # len(hops)
    once: str = ""

    @property
    def hops(self) -> tuple[ChainHop, ...]:
        hops: list[ChainHop] = []
        summary: Summary | None = self
        while summary is not None:
            hops.extend(summary.head)
            summary = summary.below
        return tuple(hops)

    @property
    def severity(self) -> Severity:
        return self.sink.blocking.severity

    def preference(self) -> tuple[bool, bool, int, int]:
        """Sorts the summary to show first: certain, every call, most severe, shortest."""
        return (
            self.confidence is Confidence.LOW,
            bool(self.once),
            self.severity.rank,
            self.length,
        )


def _written(edge: Edge) -> tuple[int, int, int, int]:
    line, column, end_line, end_column = edge.site.span
    return (line, column, end_line, end_column)


def allowed(edge: Edge, confident_only: bool, with_once: bool) -> bool:
    return (edge.confident or not confident_only) and (with_once or not edge.once)


class Effects:
    def __init__(self, store: FactsStore, graph: CallGraph) -> None:
        self.store = store
        self.graph = graph
        self._below: dict[tuple[Node, bool, bool], tuple[tuple[Sink, ChainHop], ...]] = {}

    def reachable(self, roots: Iterable[Node]) -> list[Node]:
        found: list[Node] = []
        seen: set[Node] = set()
        queue = deque(roots)
        while queue:
            node = queue.popleft()
            if node in seen:
                continue
            seen.add(node)
            found.append(node)
            for edge in self.graph.edges(node):
                queue.extend(target for target in edge.targets if target not in seen)
        return found

    def exploration(self) -> Exploration:
        """A walk of the call graph that a round of loading resumes instead of repeating."""
        return Exploration(self.store, self.graph)

    def summarise(self, roots: Iterable[Node]) -> dict[Node, Summary]:
        """The preferred blocking chain of every sync function reachable from ``roots``."""
        sync = [node for node in self.reachable(roots) if self._is_sync(node)]
        summaries: dict[Node, Summary] = {}
        for confident_only, with_once in _LAYERS:
            callers: dict[Node, list[tuple[Node, Edge]]] = {}
            direct: list[tuple[Node, Edge]] = []
            for node in sync:
                for edge in self.graph.edges(node):
                    if not allowed(edge, confident_only, with_once):
                        continue
                    if edge.sink is not None:
                        direct.append((node, edge))
                    for target in edge.targets:
                        callers.setdefault(target, []).append((node, edge))
            # Of one function's blocking calls, the first written (the inner call of a chain).
            direct.sort(key=lambda pair: _written(pair[1]))
            confidence = Confidence.HIGH if confident_only else Confidence.LOW
            for severity in Severity:
                # Chains found so far may extend through the edges this layer adds.
                frontier = deque(
                    node for node, found in summaries.items() if found.severity is severity
                )
                for node, edge in direct:
                    assert edge.sink is not None
                    if node in summaries or edge.sink.blocking.severity is not severity:
                        continue
                    hop = ChainHop(
                        edge.sink.name, self.store.path_of(node.module), edge.site.span[0]
                    )
                    summaries[node] = Summary(edge.sink, (hop,), confidence, None, 1, edge.once)
                    frontier.append(node)
                while frontier:
                    callee = frontier.popleft()
                    below = summaries[callee]
                    for caller, edge in callers.get(callee, ()):
                        if caller in summaries:
                            continue
                        head = self.first_hops(edge, callee, caller.module)
                        summaries[caller] = Summary(
                            below.sink,
                            head,
                            below.confidence if confident_only else Confidence.LOW,
                            below,
                            len(head) + below.length,
                            below.once or edge.once,
                        )
                        frontier.append(caller)
        return summaries

    def blocking_calls(
        self, node: Node, confident_only: bool, with_once: bool
    ) -> tuple[tuple[Sink, ChainHop], ...]:
        """Every blocking call ``node`` reaches through the edges of a layer, each with where it
        is written, the most severe first (at most :data:`MAX_OTHERS`)."""
        key = (node, confident_only, with_once)
        cached = self._below.get(key)
        if cached is not None:
            return cached
        misses = self.store.misses
        found: dict[tuple[str, str, int], tuple[Sink, ChainHop]] = {}
        seen = {node}
        queue = deque([node])
        while queue:
            current = queue.popleft()
            if not self._is_sync(current):
                continue
            for edge in self.graph.edges(current):
                if not allowed(edge, confident_only, with_once):
                    continue
                if edge.sink is not None:
                    hop = ChainHop(
                        edge.sink.name, self.store.path_of(current.module), edge.site.span[0]
                    )
                    found.setdefault((hop.name, hop.path, hop.line), (edge.sink, hop))
                for target in edge.targets:
                    if target not in seen:
                        seen.add(target)
                        queue.append(target)
        ordered = sorted(
            found.values(),
            key=lambda item: (item[0].blocking.severity.rank, item[1].path, item[1].line),
        )
        result = tuple(ordered[:MAX_OTHERS])
        if misses == self.store.misses:  # only what is final: no body was missing
            self._below[key] = result
        return result

    def propagate(
        self,
        nodes: Iterable[Node],
        found: dict[Node, S],
        seed: Callable[[Node, Edge], S | None],
        extend: Callable[[Node, Edge, Node, S], S],
        follow: Callable[[Edge], bool],
    ) -> None:
        """Breadth-first from the sync functions whose own edges ``seed`` an effect, backwards
        to their sync callers along the edges ``follow`` accepts: each function gets the effect
        of its nearest seed (``found`` is filled in). The walk of the loop-affinity and
        thread-bound summaries."""
        callers: dict[Node, list[tuple[Node, Edge]]] = {}
        frontier: deque[Node] = deque()
        for node in nodes:
            function = self.store.function(node.fid)
            if function is None or function.is_async:
                continue
            for edge in self.graph.edges(node):
                if not follow(edge):
                    continue
                if node not in found:
                    effect = seed(node, edge)
                    if effect is not None:
                        found[node] = effect
                        frontier.append(node)
                for target in edge.targets:
                    callers.setdefault(target, []).append((node, edge))
        while frontier:
            callee = frontier.popleft()
            for caller, edge in callers.get(callee, ()):
                if caller in found:
                    continue
                caller_function = self.store.function(caller.fid)
                if caller_function is None or caller_function.is_async:
                    continue
                found[caller] = extend(caller, edge, callee, found[callee])
                frontier.append(caller)

    def first_hops(self, edge: Edge, callee: Node, module: str) -> tuple[ChainHop, ...]:
        """The hop(s) of one call: the callee, preceded by the helper it was passed through."""
        path, line = self.store.path_of(module), edge.site.span[0]
        name = self.display_name(callee)
        if edge.wraps:  # `add (@audited)`: the wrapper named by what it wraps
            name = f"{edge.wraps} (@{callee.qualname.split('.', 1)[0]})"
        hops = (ChainHop(name, path, line),)
        if edge.via is not None:
            hops = (ChainHop(self.display_name(edge.via), path, line), *hops)
        return hops

    def label(self, node: Node) -> str:
        """The short name of a function in a message: ``Repo.load`` or ``load``."""
        parts = self.display_name(node).split(".")
        if len(parts) >= 2 and parts[-2][:1].isupper():
            return ".".join(parts[-2:])
        return parts[-1]

    def display_name(self, node: Node) -> str:
        """``app.exports.MonthlyExport.run`` for a base-class method run on a subclass."""
        receiver = node.receiver
        cls = receiver.cls if isinstance(receiver, Instance) else receiver
        if isinstance(cls, ClassRef) and "." in node.qualname and "<locals>" not in node.qualname:
            method = node.qualname.rsplit(".", 1)[-1]
            return self.store.display_name((cls.module, f"{cls.qualname}.{method}"))
        return self.store.display_name(node.fid)

    def _is_sync(self, node: Node) -> bool:
        function = self.store.function(node.fid)
        return function is not None and not function.is_async


class Exploration:
    """What the loop code reaches, explored across rounds of loading (decision 0050).

    Edges computed without a miss are final (the call graph keeps them), and the roots only grow
    as modules load, so the nodes reached from the roots through final edges only (``reached``)
    never need walking again. A round walks only the rest: its new roots, the reached nodes whose
    own edges were provisional (``boundary``), and what their current edges lead to. That is the
    same set of nodes a walk of everything from the roots would compute edges for, so a chain of
    N modules loaded one round per hop costs N node visits rather than N * N / 2.
    """

    def __init__(self, store: FactsStore, graph: CallGraph) -> None:
        self.store = store
        self.graph = graph
        self._reached: dict[Node, None] = {}  # through final edges, in the order reached
        self._boundary: list[Node] = []  # reached nodes whose own edges are provisional

    def visit(self, roots: Iterable[Node]) -> None:
        """One round: walk from ``roots`` and from the nodes a miss left provisional."""
        reached = self._reached
        queue: deque[tuple[Node, bool]] = deque((node, True) for node in self._boundary)
        self._boundary = []
        for root in roots:
            if root not in reached:
                reached[root] = None
                queue.append((root, True))
        computed: dict[Node, tuple[list[Edge], bool]] = {}  # this round's edges, and if final
        passing: set[Node] = set()  # reached this round through a provisional edge only
        while queue:
            node, certain = queue.popleft()
            found = computed.get(node)
            if found is None:
                misses = self.store.misses
                edges = self.graph.edges(node)
                found = computed[node] = (edges, misses == self.store.misses)
            edges, final = found
            if certain and not final:
                self._boundary.append(node)
            for edge in edges:
                for target in edge.targets:
                    if target in reached:
                        continue
                    if certain and final:
                        reached[target] = None
                        queue.append((target, True))
                    elif target not in passing:
                        passing.add(target)
                        queue.append((target, False))
