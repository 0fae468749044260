"""Per-file facts: plain, picklable data from one LibCST parse and one visitor pass.

Names are resolved the way Python resolves them, as far as one file allows: imports (module level
and local, with aliases), local bindings that shadow imports, enclosing function scopes, ``global``.
Values are kept *symbolic* (see :data:`Expr`) so that the project stage can finish resolution
across modules: ``s = requests.Session(); s.get(u)`` records the callee
``attr(call(imp requests.Session), get)``. The visitor itself lives in :mod:`asynclint.extractor`.

Rules never walk the CST: everything they need is here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

# ---- symbolic expressions ---------------------------------------------------------------------
#
# Tuples, tagged by their first item (compact to pickle, cheap to hash):
#   ("imp", "pkg.mod.name")   bound by an import (relative imports keep their leading dots)
#   ("glob", "name")          a module-level name of this module, resolved after the whole module
#   ("def", "outer.<locals>.f") a function/class defined in a function scope of this module
#   ("self", "Class") / ("clsref", "Class")   first parameter of a method / classmethod
#   ("super", "Class")        ``super()`` inside a method of Class
#   ("param", annotation, default, name)      a parameter: its annotation and default (or None)
#   ("ann", annotation, value)  a name bound by an annotated assignment (value may be None)
#   ("tparam", owner, name)   a PEP 695 type parameter of the class or function ``owner``
#   ("attr", base, "name"), ("call", base, args), ("sub", base, elements), ("div", left)
#   ("union", left, right)    ``left | right`` (in annotations)
#   ("enter", expr)  value of ``with expr as x``;  ("await", expr);  ("iter", expr) an item of it
#   ("item", expr, index)  the item at ``index`` when unpacking (``a, b = pair``)
#   ("dict", keys, values)  a dict display
#   ("lit", value), ("list", elements), ("lambda", qualname), ("unk",)
#   ("fstr", parts)  an f-string: literal texts and the expressions it formats
#   ("add", left, right)  ``left + right`` (string concatenation, for paths and prefixes)
# ``args`` is a tuple of (keyword or None, Expr); starred arguments are ("star", expr).
# Annotations are kept as written; string annotations (forward references) are parsed.
Expr = tuple[Any, ...]
_T = TypeVar("_T")
UNKNOWN: Expr = ("unk",)
_MAX_EXPR_DEPTH = 14

Span = tuple[int, int, int, int]  # 1-based line, column, end line, end column (exclusive)


@dataclass(slots=True)
class CallSite:
    callee: Expr
    args: tuple[tuple[str | None, Expr], ...]
    span: Span
    awaited: bool
    text: str  # dotted callee text, e.g. "self.session.get"
    # In a memo idiom's miss branch (asynclint.memo): runs once per "process" or per "object".
    once: str = ""
    # Optional parameters that must be given for the call to run (asynclint.guards).
    guards: tuple[str, ...] = ()


@dataclass(slots=True)
class Site:
    """A ``with`` item being entered, or an object being iterated by a ``for`` loop."""

    kind: str  # "enter" | "iter" | "read"
    expr: Expr
    span: Span
    text: str
    once: str = ""  # as CallSite.once
    guards: tuple[str, ...] = ()  # as CallSite.guards


@dataclass(slots=True)
class Param:
    name: str
    annotation: Expr | None
    default: Expr | None


@dataclass(slots=True)
class Store:
    """``base.attribute = value`` where ``base`` is not the method's own ``self``: how
    containers and singletons are wired (``Container.deps = Deps(...)``,
    ``app.state.mailer = SmtpMailer()``)."""

    base: Expr
    attribute: str
    value: Expr


@dataclass(slots=True)
class FunctionFacts:
    qualname: str
    name: str
    is_async: bool
    class_name: str | None  # qualname of the class for methods
    span: Span = (1, 1, 1, 1)  # the ``def`` line
    decorators: tuple[Expr, ...] = ()
    params: tuple[Param, ...] = ()
    returns: Expr | None = None  # the return annotation
    yielded: Expr | None = None  # value of the last ``yield`` (what a @contextmanager gives)
    returned: Expr | None = None  # value of the last ``return`` (for factories without annotation)
    calls: list[CallSite] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)
    awaits: bool = False  # has await / async for / async with in its own body
    is_generator: bool = False
    is_lambda: bool = False
    called_params: tuple[str, ...] = ()  # parameters the body calls: higher-order helpers
    parent: str | None = None  # enclosing function qualname
    # The body does nothing (`...`, `pass`, a docstring, `raise NotImplementedError`): an
    # interface's method, which never blocks by itself.
    stub: bool = False
    stores: list[Store] = field(default_factory=list)


# What a function's body (not its signature) tells.
_BODY_FIELDS = (
    "yielded",
    "returned",
    "calls",
    "sites",
    "awaits",
    "is_generator",
    "called_params",
    "stub",
    "stores",
)


@dataclass(slots=True)
class ClassFacts:
    qualname: str
    bases: tuple[Expr, ...]
    methods: dict[str, str] = field(default_factory=dict)  # name -> function qualname
    attributes: dict[str, Expr] = field(default_factory=dict)  # class and instance attributes
    span: Span = (1, 1, 1, 1)
    decorators: tuple[Expr, ...] = ()
    type_params: tuple[str, ...] = ()  # PEP 695: ``class Repo[T]:``


@dataclass(slots=True)
class ModuleFacts:
    path: str
    bindings: dict[str, Expr] = field(default_factory=dict)  # final module-level bindings
    functions: dict[str, FunctionFacts] = field(default_factory=dict)
    classes: dict[str, ClassFacts] = field(default_factory=dict)
    # Every module named in an import (relative ones with dots), except in blanked bodies, which
    # never name a web framework (see asynclint.markers.BODY_MARKERS).
    imported: tuple[str, ...] = ()
    star_imports: tuple[str, ...] = ()  # modules of module-level ``from m import *``
    suppressions: dict[int, frozenset[str] | None] = field(default_factory=dict)  # None = all
    has_async: bool = False
    error: tuple[str, int, int] | None = None  # message, line, column when unusable
    # Functions whose bodies are not parsed yet -> the lines a parse of the body keeps
    # (see asynclint.masking). Their FunctionFacts hold the signature only.
    masked: dict[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    # Attribute name -> blanked functions that assign it on an object other than their own
    # ``self`` (``Container.deps = ...``): parsed when something reads that attribute.
    masked_stores: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def kept_lines(self, qualnames: Iterable[str]) -> list[tuple[int, int]]:
        """The lines a parse of these blanked bodies keeps (for :func:`extract_bodies`)."""
        return sorted({lines for name in qualnames for lines in self.masked.get(name, ())})

    def merge_bodies(self, fragment: ModuleFacts, qualnames: Iterable[str]) -> None:
        """Take the bodies of ``qualnames`` (and what is defined inside them) from ``fragment``.

        Signature facts stay the same objects: resolution remembers values by their identity.
        """
        merged: dict[str, int] = {}  # qualname -> its place in ``qualnames``
        for qualname in qualnames:
            if self.masked.pop(qualname, None) is None:
                continue
            target, source = self.functions.get(qualname), fragment.functions.get(qualname)
            if target is None or source is None:
                continue
            for name in _BODY_FIELDS:
                setattr(target, name, getattr(source, name))
            merged.setdefault(qualname, len(merged))
        # What is defined inside a merged body, added body by body in the order of
        # ``qualnames`` (each name found through its dotted prefixes: linear in the names,
        # where testing every name against every body was quadratic on large modules).
        functions = _inside(fragment.functions, merged)
        classes = _inside(fragment.classes, merged)
        for qualname in merged:
            for name, function in functions.get(qualname, ()):
                self.functions.setdefault(name, function)
            for name, cls in classes.get(qualname, ()):
                self.classes.setdefault(name, cls)


def dotted_prefixes(name: str) -> Iterator[str]:
    """``a.b.c`` -> ``a``, ``a.b`` (the scopes a qualified name is nested in)."""
    position = name.find(".")
    while position != -1:
        yield name[:position]
        position = name.find(".", position + 1)


def _inside(named: dict[str, _T], owners: dict[str, int]) -> dict[str, list[tuple[str, _T]]]:
    """The items of ``named`` by the first of ``owners`` (in their order) they are nested in."""
    found: dict[str, list[tuple[str, _T]]] = {}
    order = list(owners)
    for name, item in named.items():
        places = [owners[prefix] for prefix in dotted_prefixes(name) if prefix in owners]
        if places:
            found.setdefault(order[min(places)], []).append((name, item))
    return found


MODULE_SCOPE = "<module>"


def tail_name(value: Expr) -> str:
    """The last name of a symbolic reference: ``typing.Optional`` -> ``Optional``."""
    if value[0] in ("imp", "glob"):
        return str(value[1]).rsplit(".", 1)[-1]
    if value[0] == "attr":
        return str(value[2])
    if value[0] == "call":
        return tail_name(value[1])
    return ""


_NOQA = re.compile(
    r"#\s*(?:noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?"
    r"|asynclint:\s*ignore(?:\[(?P<codes2>[^\]]*)\])?)",
    re.IGNORECASE,
)
_LINE_SPLIT = re.compile(r"\r\n|\r|\n")


def is_falsy_default(default: object) -> bool:
    """A parameter default that leaves a guard closed: ``None``, ``False``, ``0``, ``""``."""
    return (
        isinstance(default, tuple)
        and len(default) == 2
        and default[0] == "lit"
        and default[1] in (None, False, 0, "")
    )


def parse_suppressions(source: str) -> dict[int, frozenset[str] | None]:
    found: dict[int, frozenset[str] | None] = {}
    if "noqa" not in source and "asynclint" not in source:
        return found
    for number, line in enumerate(_LINE_SPLIT.split(source), start=1):
        if "#" not in line:
            continue
        match = _NOQA.search(line)
        if match is None:
            continue
        raw = match.group("codes") or match.group("codes2")
        if raw is None or not raw.strip():
            found[number] = None
        else:
            found[number] = frozenset(c.upper() for c in re.split(r"[\s,]+", raw.strip()) if c)
    return found


# ---- entry point ---------------------------------------------------------------------------


def decode_source(data: bytes) -> str:
    """Decode like Python does (BOM, coding cookie, default UTF-8); raises UnicodeDecodeError."""
    import io
    import tokenize

    if b"\x00" in data:
        raise UnicodeDecodeError(
            "utf-8", data, data.index(b"\x00"), data.index(b"\x00") + 1, "binary file (NUL byte)"
        )
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise UnicodeDecodeError("utf-8", data, 0, 1, str(error)) from error
    text = data.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text


def extract(source: str, path: str) -> ModuleFacts:
    """Facts of one module. Never raises for bad input: ``facts.error`` says what went wrong."""
    from asynclint.extractor import extract as extract_with_libcst

    return extract_with_libcst(source, path)


def extract_if_loop_code(source: str, path: str) -> ModuleFacts | None:
    """Facts of a module that holds code running on the loop; ``None`` for a valid one that
    does not (its text only mentioned ``async def``)."""
    from asynclint.extractor import extract_if_loop_code as extract_with_libcst

    return extract_with_libcst(source, path)


def extract_bodies(source: str, path: str, keep: list[tuple[int, int]]) -> ModuleFacts:
    """Facts of the ``keep`` lines of a module: bodies its skeleton left out (``masked``)."""
    from asynclint.extractor import extract_bodies as extract_bodies_with_libcst

    return extract_bodies_with_libcst(source, path, keep)
