"""What a module imports, which names to reuse, and where to add a missing import."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from asynclint.fixes.text import Replacement, SourceText


@dataclass(slots=True)
class ModuleImports:
    # Local name bound by a top-level ``import X`` / ``import X as Y``, by module.
    module_names: dict[str, str] = field(default_factory=dict)
    # Local name bound by a top-level ``from M import N [as L]``, by (M, N).
    from_names: dict[tuple[str, str], str] = field(default_factory=dict)
    # Top-level packages imported anywhere in the file, in any form.
    packages: set[str] = field(default_factory=set)

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
                if alias.asname is not None:
                    self.module_names.setdefault(dotted, _dotted(alias.asname.name))
                else:
                    # `import a.b` binds `a`, through which `a.b` is reachable too.
                    self.module_names.setdefault(dotted, dotted)
                    root = dotted.split(".")[0]
                    self.module_names.setdefault(root, root)
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


def imported_packages(tree: ast.Module) -> set[str]:
    """Top-level packages imported anywhere in a module (what ``_PackageCollector`` finds)."""
    packages: set[str] = set()
    for node in ast.walk(tree):
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
    end_line_of: Callable[[cst.CSTNode], int],
    lines: list[str],
) -> Replacement:
    """Insert import lines after the docstring, ``from __future__`` lines and leading imports."""
    newline = module.default_newline
    block = newline.join(lines) + newline
    body = module.body
    last_import: cst.CSTNode | None = None
    docstring: cst.CSTNode | None = None
    for index, statement in enumerate(body):
        if index == 0 and _is_docstring(statement):
            docstring = statement
        elif _is_import_line(statement):
            last_import = statement
        else:
            break
    anchor = last_import or docstring
    if anchor is None:
        # Top-of-file comments (shebang, licence) all belong to the header.
        first_line = len(module.header) + 1
        offset = text.line_start(first_line)
        if not text.line_is_blank(first_line) and not (body and _is_import_line(body[0])):
            block += newline
        return Replacement(offset, offset, block)
    next_line = end_line_of(anchor) + 1
    offset = text.line_start(next_line)
    if next_line > text.line_count or (offset == len(text.text) and not _ends_with_break(text)):
        block = newline + block
    if last_import is None:
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
