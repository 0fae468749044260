"""What a module imports, which names to reuse, and where to add a missing import."""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import libcst as cst

from asynclint.fixes.text import Replacement, SourceText


@dataclass(slots=True)
class ModuleImports:
    # Local name bound by a top-level ``import X`` / ``import X as Y``, by module.
    module_names: dict[str, str] = field(default_factory=dict)
    # Every local name bound so, by module (``import asyncio`` and ``import asyncio as aio``).
    module_aliases: dict[str, list[str]] = field(default_factory=dict)
    # Local name bound by a top-level ``from M import N [as L]``, by (M, N).
    from_names: dict[tuple[str, str], str] = field(default_factory=dict)
    # Top-level packages imported anywhere in the file, in any form.
    packages: set[str] = field(default_factory=set)
    # Local name bound by a top-level relative ``from ..m import N [as L]``, by ("..m", N).
    relative_names: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def of(cls, module: cst.Module, packages: set[str] | None = None) -> ModuleImports:
        """``packages``: when known already (from CPython's tree of the whole file)."""
        imports = cls()
        for statement in module.body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    imports._record_top_level(small)
        if packages is None:
            module.visit(_PackageCollector(imports.packages))
        else:
            imports.packages = set(packages)
        return imports

    def _record_top_level(self, statement: cst.BaseSmallStatement) -> None:
        if isinstance(statement, cst.Import):
            for alias in statement.names:
                dotted = _dotted(alias.name)
                local = _dotted(alias.asname.name) if alias.asname is not None else dotted
                self.module_aliases.setdefault(dotted, []).append(local)
                if alias.asname is not None:
                    self.module_names.setdefault(dotted, _dotted(alias.asname.name))
                else:
                    # `import a.b` binds `a`, through which `a.b` is reachable too.
                    self.module_names.setdefault(dotted, dotted)
                    root = dotted.split(".")[0]
                    self.module_names.setdefault(root, root)
        elif (
            isinstance(statement, cst.ImportFrom)
            and statement.relative
            and not isinstance(statement.names, cst.ImportStar)
        ):
            source = "." * len(statement.relative) + (
                _dotted(statement.module) if statement.module is not None else ""
            )
            for alias in statement.names:
                local = _dotted(alias.asname.name) if alias.asname is not None else None
                self.relative_names.setdefault(
                    (source, _dotted(alias.name)), local or _dotted(alias.name)
                )
        elif (
            isinstance(statement, cst.ImportFrom)
            and statement.module is not None
            and not statement.relative
            and not isinstance(statement.names, cst.ImportStar)
        ):
            source = _dotted(statement.module)
            for alias in statement.names:
                local = _dotted(alias.asname.name) if alias.asname is not None else None
                self.from_names.setdefault(
                    (source, _dotted(alias.name)), local or _dotted(alias.name)
                )

    def uses(self, package: str) -> bool:
        return package in self.packages


class _PackageCollector(cst.CSTVisitor):
    def __init__(self, packages: set[str]) -> None:
        self.packages = packages

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            self.packages.add(_dotted(alias.name).split(".")[0])

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.module is not None and not node.relative:
            self.packages.add(_dotted(node.module).split(".")[0])


def imported_packages(nodes: Iterable[ast.AST]) -> set[str]:
    """Top-level packages imported anywhere in a module, given all its nodes (what
    ``_PackageCollector`` finds)."""
    packages: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            packages.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            packages.add(node.module.split(".")[0])
    return packages


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


@dataclass(frozen=True, slots=True)
class NameRequest:
    """A name a transform writes, with the import statement that binds it when missing."""

    expression: str  # e.g. "aio.sleep" or "run_in_threadpool"
    import_line: str = ""  # empty when the module already binds the name


def module_attribute(imports: ModuleImports, module: str, attribute: str) -> NameRequest:
    """``module.attribute`` through the module's existing binding, or with ``import module``."""
    if module in imports.module_names:
        return NameRequest(f"{imports.module_names[module]}.{attribute}")
    return NameRequest(f"{module}.{attribute}", f"import {module}")


def imported_function(imports: ModuleImports, sources: tuple[str, ...], name: str) -> NameRequest:
    """A function from one of ``sources``: an existing import, else one from the first."""
    for source in sources:
        local = imports.from_names.get((source, name))
        if local is not None:
            return NameRequest(local)
    return NameRequest(name, f"from {sources[0]} import {name}")


def import_insertion(
    module: cst.Module,
    text: SourceText,
    lines_of: Callable[[cst.CSTNode], tuple[int, int]],
    lines: list[str],
    first_party: frozenset[str] = frozenset(),
) -> list[Replacement]:
    """Where the import ``lines`` go: each in its isort/ruff section (future, standard library,
    third party, first party, local) and in order there (``import x`` before ``from x import``,
    then by module), a new section where the file has none; after the docstring when the file
    has no leading imports. ``first_party``: top-level names of the project's own packages."""
    block = _leading_imports(module)
    if not block:
        return [_after_docstring(module, text, lines_of, lines)]
    newline = module.default_newline
    groups: list[list[cst.SimpleStatementLine]] = []
    for statement in block:
        if not groups or statement.leading_lines:
            groups.append([])
        groups[-1].append(statement)
    replacements = []
    for line in sorted(lines, key=lambda item: _order(item, first_party)):
        section, key = _order(line, first_party)
        # A group holding imports of this section (most of them, the same package first); in
        # it, the place among those imports that keeps isort's order.
        same = [
            [s for s in group if _statement_key(s, first_party)[0] == section] for group in groups
        ]
        same = [members for members in same if members]
        if same:
            members = max(same, key=lambda members: (_shares_package(members, line), len(members)))
            later = [s for s in members if _statement_key(s, first_party)[1] > key]
            if later:
                offset = text.line_start(lines_of(later[0])[0])
                replacements.append(Replacement(offset, offset, line + newline))
            else:
                offset = text.line_start(lines_of(members[-1])[1] + 1)
                prefix = _at_end(text, offset)
                replacements.append(Replacement(offset, offset, prefix + line + newline))
            continue
        after = [g for g in groups if _section_of(g, first_party) > section]
        if after:
            offset = text.line_start(lines_of(after[0][0])[0])
            replacements.append(Replacement(offset, offset, line + newline + newline))
        else:
            offset = text.line_start(lines_of(groups[-1][-1])[1] + 1)
            block_text = _at_end(text, offset) + newline + line + newline
            replacements.append(Replacement(offset, offset, block_text))
    return replacements


# isort's sections, in file order.
_FUTURE, _STDLIB, _THIRD_PARTY, _FIRST_PARTY, _LOCAL = range(5)


def _order(line: str, first_party: frozenset[str]) -> tuple[int, tuple[bool, str]]:
    statement = cst.parse_statement(line + "\n")
    assert isinstance(statement, cst.SimpleStatementLine)
    return _statement_key(statement, first_party)


def _statement_key(
    statement: cst.SimpleStatementLine, first_party: frozenset[str]
) -> tuple[int, tuple[bool, str]]:
    """Section, then (``from`` form, module) as isort sorts them by default."""
    small = statement.body[0]
    if isinstance(small, cst.ImportFrom):
        name = ("." * len(small.relative)) + (_dotted(small.module) if small.module else "")
        return _section(name, first_party), (True, name.lower())
    assert isinstance(small, cst.Import)
    name = _dotted(small.names[0].name)
    return _section(name, first_party), (False, name.lower())


def _section(name: str, first_party: frozenset[str]) -> int:
    top = name.split(".")[0]
    if name.startswith("."):
        return _LOCAL
    if top == "__future__":
        return _FUTURE
    if top in sys.stdlib_module_names:
        return _STDLIB
    return _FIRST_PARTY if top in first_party else _THIRD_PARTY


def _section_of(group: list[cst.SimpleStatementLine], first_party: frozenset[str]) -> int:
    """The section most of a group's statements belong to."""
    sections = [_statement_key(statement, first_party)[0] for statement in group]
    return max(set(sections), key=sections.count)


def _shares_package(group: list[cst.SimpleStatementLine], line: str) -> bool:
    top = _order(line, frozenset())[1][1].split(".")[0]
    return any(_statement_key(s, frozenset())[1][1].split(".")[0] == top for s in group)


def _leading_imports(module: cst.Module) -> list[cst.SimpleStatementLine]:
    block: list[cst.SimpleStatementLine] = []
    for index, statement in enumerate(module.body):
        if index == 0 and _is_docstring(statement):
            continue
        if not _is_import_line(statement):
            break
        assert isinstance(statement, cst.SimpleStatementLine)
        block.append(statement)
    return block


def _at_end(text: SourceText, offset: int) -> str:
    """A line break to add first when inserting after the last line of a file without one."""
    return "" if offset < len(text.text) or _ends_with_break(text) else _newline_of(text)


def _newline_of(text: SourceText) -> str:
    return "\r\n" if "\r\n" in text.text else "\r" if "\r" in text.text else "\n"


def _after_docstring(
    module: cst.Module,
    text: SourceText,
    lines_of: Callable[[cst.CSTNode], tuple[int, int]],
    lines: list[str],
) -> Replacement:
    """Insert import lines after the docstring, or at the top after header comments."""
    newline = module.default_newline
    block = newline.join(lines) + newline
    body = module.body
    docstring = body[0] if body and _is_docstring(body[0]) else None
    if docstring is None:
        # Top-of-file comments (shebang, licence) all belong to the header.
        first_line = len(module.header) + 1
        offset = text.line_start(first_line)
        if not text.line_is_blank(first_line):
            block += newline
        return Replacement(offset, offset, block)
    next_line = lines_of(docstring)[1] + 1
    offset = text.line_start(next_line)
    if next_line > text.line_count or (offset == len(text.text) and not _ends_with_break(text)):
        block = newline + block
    block = newline + block
    if not text.line_is_blank(next_line):
        block += newline
    return Replacement(offset, offset, block)


def _is_docstring(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _is_import_line(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
    )


def _ends_with_break(text: SourceText) -> bool:
    return text.text.endswith(("\n", "\r"))
