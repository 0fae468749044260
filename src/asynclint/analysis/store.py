"""The facts of the modules loaded so far, and what resolution still needs loaded.

Modules and function bodies are loaded on demand (decision 0003, 0012): asking for the facts of a
module, or for a function whose body is still blanked, that is not loaded yet records the need
and counts a *miss*. Whatever was computed while a miss happened is provisional: the caller does
not memoise it, and :meth:`FactsStore.settle` loads what was missed, in one round of parsing, and
runs the work again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from asynclint.analysis.headers import HeaderIndex
from asynclint.facts import FunctionFacts, ModuleFacts, dotted_prefixes
from asynclint.modules import ModuleIndex

FunctionId = tuple[str, str]  # (module, qualname)
# Rounds that may parse bodies of one module before the next one parses all of them.
EAGER_AFTER_ROUNDS = 32
# load(modules, bodies): add the facts of ``modules`` and merge the blanked ``bodies`` of loaded
# modules into theirs, in one round of parsing.
Loader = Callable[[list[str], list[FunctionId]], None]
# The bytes of every project file, by module name (text indexes read them once).
Sources = Callable[[], Iterable[tuple[str, bytes]]]


class FactsStore:
    def __init__(
        self,
        index: ModuleIndex,
        load: Loader,
        display_path: Callable[[Path], str],
        sources: Sources | None = None,
    ) -> None:
        self.index = index
        self.facts: dict[str, ModuleFacts] = {}
        self.pending: set[str] = set()
        self.pending_bodies: set[FunctionId] = set()
        self.misses = 0
        # Every function facts added or grown, in order: indexes built over the loaded code read
        # it from where they stopped (see :meth:`functions_since`).
        self._function_log: list[tuple[str, FunctionFacts]] = []
        self._module_log: list[str] = []  # modules added, and modules whose bodies grew
        self._body_rounds: dict[str, int] = {}  # module -> rounds that parsed bodies of it
        self._load = load
        self._display_path = display_path
        # The class headers of every project file (for subclasses), read when first needed.
        self.headers = HeaderIndex(sources or (lambda: ()))
        self._paths: dict[str, str] = {}

    # ---- loading ------------------------------------------------------------------------------

    def add(self, module: str, facts: ModuleFacts) -> None:
        self.facts[module] = facts
        self._function_log.extend((module, function) for function in facts.functions.values())
        self._module_log.append(module)

    def merge_bodies(self, module: str, fragment: ModuleFacts, qualnames: Iterable[str]) -> None:
        facts = self.facts[module]
        before = set(facts.functions)
        names = list(qualnames)
        facts.merge_bodies(fragment, names)
        grown = [facts.functions[name] for name in names if name in facts.functions]
        grown += [function for name, function in facts.functions.items() if name not in before]
        self._function_log.extend((module, function) for function in grown)
        asked = set(names)
        if any(prefix in asked for name in fragment.classes for prefix in dotted_prefixes(name)):
            self._module_log.append(module)  # classes defined in the bodies

    def functions_since(self, position: int) -> tuple[int, list[tuple[str, FunctionFacts]]]:
        """Functions added (or whose body was merged) since ``position``, and the new position."""
        return len(self._function_log), self._function_log[position:]

    def modules_since(self, position: int) -> tuple[int, list[str]]:
        """Modules added (or given new classes by a body) since ``position``, and the new
        position."""
        return len(self._module_log), self._module_log[position:]

    def module_facts(self, module: str) -> ModuleFacts | None:
        facts = self.facts.get(module)
        if facts is None and module in self.index.by_name:
            self.pending.add(module)
            self.misses += 1
        return facts

    def function(self, fid: FunctionId) -> FunctionFacts | None:
        """A function's facts; asking for one whose body is not parsed yet schedules the parse
        (what was computed meanwhile is provisional, like for a module not loaded yet)."""
        facts = self.module_facts(fid[0])
        if facts is None:
            return None
        if fid[1] in facts.masked:
            self.pending_bodies.add(fid)
            self.misses += 1
        return facts.functions.get(fid[1])

    def signature(self, fid: FunctionId) -> FunctionFacts | None:
        """A function's facts without asking for its body (its signature and decorators are
        there either way)."""
        facts = self.module_facts(fid[0])
        return facts.functions.get(fid[1]) if facts is not None else None

    def require_modules(self, modules: Iterable[str]) -> bool:
        """Ask for every module in ``modules``; True when all of them are loaded."""
        ready = True
        for module in modules:
            if self.module_facts(module) is None and module in self.index.by_name:
                ready = False
        return ready

    def settle(self, work: Callable[[], None]) -> None:
        """Run ``work`` until resolution needs no module or body that is not loaded yet."""
        while True:
            self.pending.clear()
            self.pending_bodies.clear()
            work()
            wanted = {m for m in self.pending if m not in self.facts}
            bodies = sorted(
                fid for fid in self.pending_bodies if fid[1] in self.facts[fid[0]].masked
            )
            if not wanted and not bodies:
                return
            bodies = self._with_every_body_of_busy_modules(bodies)
            self._load(sorted(wanted), bodies)
            for module in wanted:  # unreadable modules must not be asked for again
                if module not in self.facts:
                    self.add(module, ModuleFacts(path=str(self.index.by_name[module])))
            for module, qualname in bodies:  # a body that failed to load stays empty
                self.facts[module].masked.pop(qualname, None)

    def _with_every_body_of_busy_modules(self, bodies: list[FunctionId]) -> list[FunctionId]:
        """``bodies``, plus every blanked body of a module asked for bodies in many rounds.

        A round parses a module's text again to take a few bodies out of it: cheap, since the
        rest is blanked, but it is the whole text. A chain of calls inside one module (method i
        calls method i+1) asks for one body per round, so the rounds would cost the module's
        size times the chain's length. After ``EAGER_AFTER_ROUNDS`` rounds for one module, its
        remaining bodies are all parsed at once: what parsing it whole would have cost, once
        (decision 0050). Ordinary code never gets there (the stdlib's busiest module: 9)."""
        modules = {module for module, _ in bodies}
        eager: list[FunctionId] = []
        for module in sorted(modules):
            rounds = self._body_rounds[module] = self._body_rounds.get(module, 0) + 1
            if rounds >= EAGER_AFTER_ROUNDS:
                eager.extend((module, qualname) for qualname in self.facts[module].masked)
        return sorted({*bodies, *eager}) if eager else bodies

    # ---- names for people -------------------------------------------------------------------

    def path_of(self, module: str) -> str:
        shown = self._paths.get(module)
        if shown is None:
            shown = self._paths[module] = self._display_path(
                self.index.by_name.get(module, Path(module))
            )
        return shown

    @staticmethod
    def display_name(fid: FunctionId) -> str:
        qualname = fid[1].replace(".<locals>.", ".")
        return f"{fid[0]}.{qualname}" if fid[0] else qualname
