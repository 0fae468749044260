"""Names a fix writes, bound where it writes them: a module is called through a name that is
free in that scope (``asyncio`` shadowed by a parameter gets ``import asyncio as asyncio_``)."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence

import libcst as cst

from asynclint.cstfields import code_children, walk_code
from asynclint.fixes.imports import ModuleImports, NameRequest

_SCOPES = (cst.FunctionDef, cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


class Names:
    """Which names each scope of a module binds, to tell a free name from a shadowed one."""

    def __init__(
        self, module: cst.Module, imports: ModuleImports, nodes: Sequence[ast.AST] | None
    ) -> None:
        """``nodes``: every node of CPython's parse of the module, when there is one."""
        self.module = module
        self.imports = imports
        self._bound: dict[int, tuple[set[str], set[str]]] = {}  # scope -> (bound, global)
        self._module_bound = bound_names(module.body)[0]
        # Every name the file mentions: aliases avoid them, so a reader is never misled.
        self._mentioned = (
            {node.id for node in nodes if isinstance(node, ast.Name)}
            if nodes is not None
            else _mentioned(module)
        )

    def is_free(self, name: str, scopes: Iterable[cst.CSTNode], module_binding: str = "") -> bool:
        """Whether ``name`` can be read at a node inside ``scopes`` (innermost first) and reach
        the module level, where it may only be bound by ``module_binding`` (an import line)."""
        for scope in scopes:
            bound, declared_global = self._scope(scope)
            if name in declared_global:
                break
            if name in bound:
                return False
        if name in self._module_bound:
            return bool(module_binding) and self._only_imported(name, module_binding)
        return True

    def module_attribute(
        self, module: str, attribute: str, scopes: list[cst.CSTNode]
    ) -> NameRequest:
        """``module.attribute`` through a binding of ``module`` free at the fix, or a new one."""
        aliases = self.imports.module_aliases.get(module, [])
        for local in aliases:
            line = f"import {module}" if local == module else f"import {module} as {local}"
            if self.is_free(local, scopes, line):
                return NameRequest(f"{local}.{attribute}")
        if not aliases and self.is_free(module, scopes):
            return NameRequest(f"{module}.{attribute}", f"import {module}")
        alias = self._alias(module.replace(".", "_"), scopes)
        return NameRequest(f"{alias}.{attribute}", f"import {module} as {alias}")

    def imported_function(
        self, sources: tuple[str, ...], name: str, scopes: list[cst.CSTNode]
    ) -> NameRequest:
        """A function from one of ``sources``: an existing import free at the fix, else a new
        one from the first source (under an alias when the name is taken)."""
        for source in sources:
            local = self.imports.from_names.get((source, name))
            if local is None:
                continue
            line = f"from {source} import {name}" + (f" as {local}" if local != name else "")
            if self.is_free(local, scopes, line):
                return NameRequest(local)
        if self.is_free(name, scopes):
            return NameRequest(name, f"from {sources[0]} import {name}")
        alias = self._alias(name, scopes)
        return NameRequest(alias, f"from {sources[0]} import {name} as {alias}")

    def free_local(self, stem: str, scopes: list[cst.CSTNode]) -> str:
        """A name for a new local function: unbound in these scopes and unused in the file."""
        return self._alias(stem, scopes, (f"_{stem}", *(f"_{stem}_{n}" for n in range(2, 100))))

    def _alias(self, stem: str, scopes: list[cst.CSTNode], candidates: tuple[str, ...] = ()) -> str:
        candidates = candidates or (f"{stem}_", f"_{stem}", *(f"{stem}_{n}" for n in range(2, 100)))
        for candidate in candidates:
            if (
                candidate not in self._mentioned
                and candidate not in self._module_bound
                and self.is_free(candidate, scopes)
            ):
                return candidate
        raise ValueError(f"no free name for {stem}")

    def _only_imported(self, name: str, line: str) -> bool:
        """Whether every module-level binding of ``name`` is the import ``line``."""
        expected = cst.parse_statement(line + "\n")
        for statement in self.module.body:
            bound = bound_names([statement])[0]
            if name not in bound:
                continue
            if not isinstance(statement, cst.SimpleStatementLine) or not all(
                isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
            ):
                return False
            if not any(_binds_like(small, name, expected) for small in statement.body):
                return False
        return True

    def _scope(self, scope: cst.CSTNode) -> tuple[set[str], set[str]]:
        found = self._bound.get(id(scope))
        if found is None:
            found = self._bound[id(scope)] = _scope_names(scope)
        return found


def enclosing_scopes(ancestors: Iterable[tuple[cst.CSTNode, cst.CSTNode]]) -> list[cst.CSTNode]:
    """The function, lambda and comprehension scopes around a node, innermost first (class
    bodies are not visible from the functions inside them)."""
    return [parent for _, parent in ancestors if isinstance(parent, _SCOPES)]


def _binds_like(small: cst.BaseSmallStatement, name: str, expected: cst.BaseStatement) -> bool:
    """Whether ``small`` binds ``name`` the way the import line ``expected`` does."""
    assert isinstance(expected, cst.SimpleStatementLine)
    want = expected.body[0]
    assert isinstance(want, (cst.Import, cst.ImportFrom))
    return any(binding[3] == name for binding in _bindings(small)) and all(
        binding in _bindings(want) for binding in _bindings(small) if binding[3] == name
    )


def _bindings(small: cst.BaseSmallStatement) -> list[tuple[str, str, str, str]]:
    """(kind, module, imported name, local name) of each name an import binds."""
    code = cst.Module([]).code_for_node
    if isinstance(small, cst.Import):
        return [
            (
                "import",
                alias.evaluated_name,
                "",
                alias.evaluated_alias or alias.evaluated_name.split(".")[0],
            )
            for alias in small.names
        ]
    if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
        source = "." * len(small.relative) + (code(small.module) if small.module else "")
        return [
            ("from", source, alias.evaluated_name, alias.evaluated_alias or alias.evaluated_name)
            for alias in small.names
        ]
    return []


def _scope_names(scope: cst.CSTNode) -> tuple[set[str], set[str]]:
    """Names a function, lambda or comprehension binds itself (parameters included)."""
    bound: set[str] = set()
    declared_global: set[str] = set()
    if isinstance(scope, (cst.FunctionDef, cst.Lambda)):
        params = scope.params
        for param in (
            *params.posonly_params,
            *params.params,
            *params.kwonly_params,
            *(p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)),
        ):
            bound.add(param.name.value)
        body: list[cst.CSTNode] = [scope.body]
    else:
        body = []
        clause = getattr(scope, "for_in", None)
        while isinstance(clause, cst.CompFor):
            bound |= target_names(clause.target)
            clause = clause.inner_for_in
    if body:
        inner_bound, declared_global = bound_names(body)
        bound |= inner_bound
    return bound - declared_global, declared_global


def bound_names(
    nodes: Iterable[cst.CSTNode], skip: set[int] | None = None
) -> tuple[set[str], set[str]]:
    """Names bound by these nodes in their own scope (not in nested functions or classes,
    whose names are bound though), and names declared ``global``/``nonlocal`` there; nodes
    whose ``id`` is in ``skip`` are left out."""
    bound: set[str] = set()
    declared: set[str] = set()
    todo = list(nodes)
    while todo:
        node = todo.pop()
        if skip and id(node) in skip:
            continue
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            bound.add(node.name.value)
            todo.extend(node.decorators)
            continue
        if isinstance(node, cst.Lambda):
            continue
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
            # Only the walrus escapes a comprehension; its first iterable is evaluated outside.
            todo.append(node.for_in.iter)
            todo.extend(
                child.target
                for child in walk_code(node)
                if isinstance(child, cst.NamedExpr) and isinstance(child.target, cst.Name)
            )
            continue
        if isinstance(node, (cst.Global, cst.Nonlocal)):
            declared.update(item.name.value for item in node.names)
            continue
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            if isinstance(node.names, cst.ImportStar):
                continue
            for alias in node.names:
                if alias.asname is not None:
                    bound |= target_names(alias.asname.name)
                else:
                    bound.add(alias.evaluated_name.split(".")[0])
            continue
        if isinstance(node, cst.Assign):
            for target in node.targets:
                bound |= target_names(target.target)
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign, cst.For, cst.CompFor)):
            bound |= target_names(node.target)
        elif isinstance(node, cst.AsName):
            bound |= target_names(node.name)
        elif isinstance(node, (cst.NamedExpr, cst.Del)):
            bound |= target_names(node.target)
        elif isinstance(node, (cst.MatchAs, cst.MatchStar)) and node.name is not None:
            bound.add(node.name.value)
        elif isinstance(node, cst.MatchMapping) and node.rest is not None:
            bound.add(node.rest.value)
        todo.extend(code_children(node))
    return bound, declared


def target_names(target: cst.CSTNode) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return {name for element in target.elements for name in target_names(element.value)}
    if isinstance(target, cst.StarredElement):
        return target_names(target.value)
    return set()


def _mentioned(module: cst.Module) -> set[str]:
    return {node.value for node in walk_code(module) if isinstance(node, cst.Name)}
