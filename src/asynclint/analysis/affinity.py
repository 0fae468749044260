"""Loop affinity: which code needs the event loop of the thread that runs it.

A sync function *needs the loop* when it makes a call the catalog lists under ``[[loop]]``
(``asyncio.get_running_loop``, ``create_task``, ``loop.call_soon``, ``Queue.put_nowait`` ...),
directly or through the sync code it runs. Such code must stay on the loop: moved to a worker
thread it raises (no running loop there) or corrupts the loop's state (asyncio objects are not
thread-safe). The summary is computed on the same call graph, by the same walk, as blocking.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from asynclint.analysis.callgraph import Edge, LoopUse, Node
from asynclint.analysis.effects import Effects


@dataclass(frozen=True, slots=True)
class LoopNeed:
    """Why running something needs the loop: the call that needs it, and the functions through
    which it is reached (empty when the call is made right there)."""

    use: LoopUse
    through: tuple[str, ...] = ()

    def because(self) -> str:
        """``asyncio.get_running_loop`` (through ``helper``): ``reason``."""
        route = " → ".join((*self.through, self.use.name.removeprefix("builtins.")))
        return f"`{route}`: {self.use.reason}"


class LoopAffinity:
    def __init__(self, effects: Effects) -> None:
        self.effects = effects

    def summarise(self, roots: Iterable[Node]) -> dict[Node, LoopNeed]:
        """The sync functions reachable from ``roots`` that need the loop, and why."""
        effects = self.effects
        found: dict[Node, LoopNeed] = {}

        def seed(node: Node, edge: Edge) -> LoopNeed | None:
            return LoopNeed(edge.loop) if edge.loop is not None else None

        def extend(caller: Node, edge: Edge, callee: Node, below: LoopNeed) -> LoopNeed:
            return LoopNeed(below.use, (effects.label(callee), *below.through))

        # Guessed hops count too: a guess that needs the loop costs a fix, not a crash.
        effects.propagate(effects.reachable(roots), found, seed, extend, follow=lambda _: True)
        return found

    def of_edge(self, edge: Edge, needs: dict[Node, LoopNeed]) -> LoopNeed | None:
        """What running this one site needs of the loop, if anything."""
        if edge.loop is not None:
            return LoopNeed(edge.loop)
        for target in edge.targets:
            below = needs.get(target)
            if below is not None:
                return LoopNeed(below.use, (self.effects.label(target), *below.through))
        return None
