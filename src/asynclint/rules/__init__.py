"""Rule registry: every rule is a :class:`Rule` value declared in a module of this package.

Modules are discovered automatically (as in pyupgrade): each defines ``RULES = (Rule(...),)``.
Codes are stable; names are kebab-case and describe the bad pattern.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import cache

from asynclint.models import Severity


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    name: str
    summary: str
    what_it_does: str
    why_bad: str
    example: str
    use_instead: str
    fix_safety: str
    # Codes of flake8-async / ruff rules that cover the same pattern; a noqa comment naming
    # ASYNC251 then also silences the asynclint rule.
    peer_codes: tuple[str, ...] = ()
    # What the rule's calls usually wait for; a catalog entry may say otherwise (decision 0040).
    severity: Severity = Severity.HIGH
    # Off by default: selected only by its exact code (`--extend-select AL295`).
    default: bool = True

    @property
    def url(self) -> str:
        return f"https://github.com/asynclint/asynclint/blob/main/docs/rules.md#{self.code.lower()}"


@cache
def all_rules() -> dict[str, Rule]:
    """Every rule, by code, in code order."""
    found: dict[str, Rule] = {}
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for rule in getattr(module, "RULES", ()):
            if rule.code in found:
                raise RuntimeError(f"duplicate rule code {rule.code}")
            found[rule.code] = rule
    return dict(sorted(found.items()))


def get_rule(code: str) -> Rule | None:
    return all_rules().get(code.upper())


def default_severity(code: str) -> Severity:
    """The severity of a sink the catalog gives none: its rule's."""
    rule = get_rule(code)
    return rule.severity if rule is not None else Severity.HIGH


def peer_code_map() -> dict[str, str]:
    """Peer code (``ASYNC251``) -> asynclint code (``AL251``)."""
    return {peer: rule.code for rule in all_rules().values() for peer in rule.peer_codes}
