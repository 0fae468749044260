"""One parse of a file with what the transforms ask of it: node positions, parents, scopes."""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterator, Mapping
from functools import cache
from typing import cast

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from asynclint import masking
from asynclint.catalog import builtin_catalog
from asynclint.cstparse import parse_valid_module
from asynclint.extractor import all_nodes
from asynclint.fixes.imports import ModuleImports, imported_packages
from asynclint.fixes.names import Names, enclosing_scopes
from asynclint.fixes.positions import index_nodes
from asynclint.fixes.text import Replacement, SourceText
from asynclint.models import Span


@cache
def offload_callable_arg() -> dict[str, int]:
    """Wrappers whose callable argument runs off the loop, by last name (from the catalog)."""
    catalog = builtin_catalog()
    found = {
        name.rsplit(".", 1)[-1]: o.callable_arg for name, o in catalog.offload_functions.items()
    }
    found.update({name: o.callable_arg for name, o in catalog.offload_methods.items()})
    return found


def _builtin_tree(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


class FixContext:
    """A parsed module; raises ``libcst.ParserSyntaxError`` when the source does not parse.

    With ``focus`` lines, function bodies that hold none of them are blanked before LibCST
    parses the file (see :func:`asynclint.masking.focused`): lines and columns stay the same,
    so positions are the file's; offsets into :attr:`text` go back with :meth:`to_source`.
    """

    def __init__(self, source: str, focus: frozenset[int] | None = None) -> None:
        self.source = SourceText(source)
        parsed, packages = source, None
        tree = _builtin_tree(source) if focus is not None else None
        self.tree = tree  # CPython's parse of the whole file (None without a focus)
        # Its nodes, listed once for all that reads them (``ast.walk`` costs more than they do).
        self.tree_nodes = all_nodes(tree) if tree is not None else None
        if tree is not None and focus is not None:
            packages = imported_packages(self.tree_nodes or ())
            parsed = masking.focused(source, tree, focus)
        try:
            module = parse_valid_module(parsed) if tree is not None else cst.parse_module(parsed)
        except cst.ParserSyntaxError:
            if parsed is source:
                raise
            parsed, packages, module = source, None, cst.parse_module(source)
        self.text = self.source if parsed is source else SourceText(parsed)
        self.module = module
        index = index_nodes(module, parsed, tree if parsed is source else None)
        self._parents = index.parents
        self._ranges = index.ranges
        self._provided: Mapping[cst.CSTNode, CodeRange] | None = None
        self.imports = ModuleImports.of(self.module, packages)
        self._names: Names | None = None
        self._mentions: Counter[str] | None = None
        self._offsets_cache: dict[cst.CSTNode, int] | None = None
        self._calls_by_start: dict[tuple[int, int], list[tuple[cst.Call, CodeRange]]] = {}
        for node, code_range in self._all_ranges().items():
            if isinstance(node, cst.Call):
                key = (code_range.start.line, code_range.start.column + 1)
                self._calls_by_start.setdefault(key, []).append((node, code_range))

    # -- positions -------------------------------------------------------------------------

    def to_source(self, replacement: Replacement) -> Replacement:
        """A replacement in :attr:`text` as one in the file (fixes never touch blanked lines)."""
        if self.text is self.source:
            return replacement
        start = self.source.offset(*self.text.position(replacement.start))
        end = self.source.offset(*self.text.position(replacement.end))
        return Replacement(start, end, replacement.content)

    def _all_ranges(self) -> Mapping[cst.CSTNode, CodeRange]:
        """The paired ranges, or LibCST's own for every node when they could not be paired."""
        return self._ranges if self._ranges is not None else self._provider_ranges()

    def _provider_ranges(self) -> Mapping[cst.CSTNode, CodeRange]:
        if self._provided is None:
            wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._provided = wrapper.resolve(PositionProvider)
        return self._provided

    def range_of(self, node: cst.CSTNode) -> CodeRange:
        found = self._ranges.get(node) if self._ranges is not None else None
        return found if found is not None else self._provider_ranges()[node]

    def offsets_of(self, node: cst.CSTNode) -> tuple[int, int]:
        """String offsets of a node without its own parentheses and surrounding whitespace."""
        code_range = self.range_of(node)
        return (
            self.text.offset(code_range.start.line, code_range.start.column + 1),
            self.text.offset(code_range.end.line, code_range.end.column + 1),
        )

    def replacement(self, node: cst.CSTNode, new_node: cst.CSTNode) -> Replacement:
        """Replace ``node`` by ``new_node``, rendered in place so nested lines keep their indent.

        ``new_node`` carries ``node``'s own parentheses, which stay outside the replaced text.
        Only the top-level statement holding ``node`` is rendered again, not the whole module.
        """
        start, end = self.offsets_of(node)
        alone = self._rendered_alone(node, new_node, start, end)
        if alone is not None:
            return alone
        scopes: list[tuple[cst.CSTNode, int]] = [(self.module, 0)]
        statement = self._top_level_statement(node)
        if statement is not None and statement in self._statement_offsets():
            scopes.insert(0, (statement, self._statement_offsets()[statement]))
        for scope, origin in scopes:
            old_text = self.module.code_for_node(scope)
            # The last statement of a file without a final newline renders with one.
            if self.text.text[origin : origin + len(old_text)] != old_text:
                continue
            new_scope = cast(cst.CSTNode, scope.deep_replace(node, new_node))
            new_text = self.module.code_for_node(new_scope)
            head, tail = start - origin, origin + len(old_text) - end
            if (
                new_text[:head] == old_text[:head]
                and new_text[len(new_text) - tail :] == old_text[len(old_text) - tail :]
            ):
                return Replacement(start, end, new_text[head : len(new_text) - tail])
        raise AssertionError("a fix changed text outside its node")

    def statement_replacement(self, node: cst.CSTNode, new_node: cst.CSTNode) -> Replacement:
        """Replace ``node`` (a suite of statements) by rendering its top-level statement again,
        narrowed to the text that changes: a node whose position leaves out text around it (a
        block's trailing comment) may move that text too."""
        statement = self._top_level_statement(node)
        offsets = self._statement_offsets()
        if statement is None or statement not in offsets:
            raise AssertionError("a block fix outside a top-level statement")
        origin = offsets[statement]
        old_text = self.module.code_for_node(statement)
        new_text = self.module.code_for_node(
            cast(cst.CSTNode, statement.deep_replace(node, new_node))
        )
        if self.text.text[origin : origin + len(old_text)] != old_text:
            # The file's last statement, without a final newline, renders with one.
            old_text, new_text = old_text[:-1], new_text[:-1]
            if self.text.text[origin : origin + len(old_text)] != old_text:
                raise AssertionError("a block fix could not find its statement's text")
        return Replacement(origin, origin + len(old_text), new_text).narrowed(self.text.text)

    def _rendered_alone(
        self, node: cst.CSTNode, new_node: cst.CSTNode, start: int, end: int
    ) -> Replacement | None:
        """The replacement from rendering just the two expressions (continuation lines indented
        as their blocks are), when ``node`` renders so exactly as it is written; else None, and
        the statement is rendered instead."""
        if not isinstance(node, cst.BaseExpression) or not isinstance(new_node, cst.BaseExpression):
            return None
        own = (*node.lpar, *node.rpar)
        indents = self._block_indents(node)
        if self._render(_without_parentheses(node, own), indents) != self.text.text[start:end]:
            return None
        return Replacement(start, end, self._render(_without_parentheses(new_node, own), indents))

    def _block_indents(self, node: cst.CSTNode) -> list[str]:
        """The indentation of each block around ``node``, outermost first."""
        indents = [
            parent.indent if parent.indent is not None else self.module.default_indent
            for _, parent in self.ancestors(node)
            if isinstance(parent, cst.IndentedBlock)
        ]
        return indents[::-1]

    def _render(self, node: cst.CSTNode, indents: list[str]) -> str:
        """``node``'s code as written inside its blocks: continuation lines of a multi-line
        expression carry the blocks' indentation, as when the whole module is rendered.
        (LibCST's public ``code_for_node`` renders at the top level only, hence its codegen
        state here.)"""
        state = CodegenState(
            default_indent=self.module.default_indent, default_newline=self.module.default_newline
        )
        state.indent_tokens.extend(indents)
        node._codegen(state)
        return "".join(state.tokens)

    def _top_level_statement(self, node: cst.CSTNode) -> cst.CSTNode | None:
        for child, parent in self.ancestors(node):
            if isinstance(parent, cst.Module):
                return child
        return None

    def _statement_offsets(self) -> dict[cst.CSTNode, int]:
        """Where each top-level statement's text (leading lines included) starts."""
        if self._offsets_cache is None:
            offset = sum(len(self.module.code_for_node(line)) for line in self.module.header)
            self._offsets_cache = {}
            for statement in self.module.body:
                self._offsets_cache[statement] = offset
                offset += len(self.module.code_for_node(statement))
        return self._offsets_cache

    def find_call(self, span: Span, snippet: str = "") -> cst.Call | None:
        """The call starting at ``span``.

        Calls chained on a call (``f(a).g()``) start where it starts: the span's end, else the
        finding's snippet, else innermost-first picks one.
        """
        candidates = self._calls_by_start.get((span.line, span.column), [])
        for node, code_range in candidates:
            end = (code_range.end.line, code_range.end.column + 1)
            if end == (span.end_line, span.end_column):
                return node
        if snippet and len(candidates) > 1:
            wanted = "".join(snippet.split())
            for node, _ in candidates:
                if "".join(self.module.code_for_node(node).split()) == wanted:
                    return node
        if not candidates:
            return None
        return min(candidates, key=lambda item: (item[1].end.line, item[1].end.column))[0]

    def find_function_at(self, span: Span) -> cst.FunctionDef | None:
        """The innermost function whose text holds the start of ``span``."""
        point = (span.line, span.column - 1)
        holding = [
            (code_range.start.line, code_range.start.column, node)
            for node, code_range in self._all_ranges().items()
            if isinstance(node, cst.FunctionDef)
            and (code_range.start.line, code_range.start.column)
            <= point
            < (code_range.end.line, code_range.end.column)
        ]
        if not holding:
            return None
        return max(holding, key=lambda item: (item[0], item[1]))[2]

    # -- structure -------------------------------------------------------------------------

    @property
    def names(self) -> Names:
        """Which names each scope binds (built when a fix first asks)."""
        if self._names is None:
            self._names = Names(self.module, self.imports, self.tree_nodes)
        return self._names

    def mentions(self) -> Counter[str]:
        """How often the whole file mentions each name (outside import statements)."""
        if self._mentions is None:
            nodes = self.tree_nodes
            if nodes is None:
                tree = _builtin_tree(self.source.text)
                nodes = all_nodes(tree) if tree is not None else []
            self._mentions = Counter(node.id for node in nodes if isinstance(node, ast.Name))
        return self._mentions

    def scopes_of(self, node: cst.CSTNode) -> list[cst.CSTNode]:
        """The function, lambda and comprehension scopes around ``node``, innermost first."""
        return enclosing_scopes(self.ancestors(node))

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self._parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[tuple[cst.CSTNode, cst.CSTNode]]:
        """(child, parent) pairs from ``node`` up to the module."""
        child = node
        parent = self._parents.get(child)
        while parent is not None:
            yield child, parent
            child, parent = parent, self._parents.get(parent)

    def await_blocker(self, node: cst.CSTNode) -> str | None:
        """Why ``await`` cannot be written at ``node``; None inside an ``async def`` body."""
        grandchild: cst.CSTNode | None = None
        for child, parent in self.ancestors(node):
            if isinstance(parent, cst.Lambda) and child is parent.body:
                return "the call is inside a lambda"
            # Cleanup runs while the task is being cancelled or closed: an `await` there is
            # where the cancellation lands, and the cleanup stops half done.
            if isinstance(parent, cst.Finally):
                return "the call is in a `finally:` block"
            if (
                isinstance(parent, (cst.ExceptHandler, cst.ExceptStarHandler))
                and child is parent.body
                and _catches_cancellation(parent)
            ):
                return "the call handles a cancellation or a closed generator"
            if isinstance(parent, cst.ClassDef) and child is parent.body:
                return "the call is in a class body"
            if isinstance(parent, cst.FunctionDef) and child is parent.body:
                if parent.asynchronous is None:
                    return "the call is in a sync function"
                return None
            # The first iterable of a comprehension is evaluated in the enclosing scope.
            in_outer_iterable = (
                isinstance(parent, _COMPREHENSIONS)
                and child is parent.for_in
                and grandchild is parent.for_in.iter
            )
            if isinstance(parent, cst.GeneratorExp) and not in_outer_iterable:
                # `await` would turn it into an async generator its consumer cannot iterate.
                return "the call is inside a generator expression"
            grandchild = child
        return "the call is not inside an async function"

    def enclosing_function(self, node: cst.CSTNode) -> cst.FunctionDef | None:
        """The innermost function whose body holds ``node``."""
        for child, parent in self.ancestors(node):
            if isinstance(parent, cst.FunctionDef) and child is parent.body:
                return parent
        return None

    def is_awaited(self, call: cst.Call) -> bool:
        return isinstance(self._parents.get(call), cst.Await)

    def is_offloaded_callable(self, call: cst.Call) -> bool:
        """True for ``to_thread(f(a))``: the call sits where a wrapper expects a callable."""
        arg = self._parents.get(call)
        if not isinstance(arg, cst.Arg) or arg.keyword is not None or arg.star:
            return False
        wrapper = self._parents.get(arg)
        if not isinstance(wrapper, cst.Call):
            return False
        wrapper_name = last_name(wrapper.func)
        index = offload_callable_arg().get(wrapper_name)
        if index is None:
            return False
        positional = [a for a in wrapper.args if a.keyword is None and not a.star]
        return index < len(positional) and positional[index] is arg

    def needs_parentheses(self, call: cst.Call) -> bool:
        """Whether ``await <call>`` must be parenthesised where ``call`` stands."""
        if call.lpar:
            return False
        parent = self._parents.get(call)
        return (
            (isinstance(parent, cst.Attribute) and parent.value is call)
            or (isinstance(parent, cst.Subscript) and parent.value is call)
            or (isinstance(parent, cst.Call) and parent.func is call)
        )


def _without_parentheses(
    node: cst.BaseExpression, own: tuple[cst.CSTNode, ...]
) -> cst.BaseExpression:
    """``node`` without the parentheses in ``own`` (those of the node being replaced, which stay
    in the text around the replacement); parentheses a fix adds are kept."""
    lpar = tuple(p for p in node.lpar if not any(p is mine for mine in own))
    rpar = tuple(p for p in node.rpar if not any(p is mine for mine in own))
    if len(lpar) == len(node.lpar) and len(rpar) == len(node.rpar):
        return node
    return node.with_changes(lpar=lpar, rpar=rpar)


_CANCELLATIONS = frozenset({"CancelledError", "GeneratorExit", "BaseException"})


def _catches_cancellation(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> bool:
    """``except:``, ``except BaseException``, ``except (asyncio.CancelledError, ...)``."""
    caught = handler.type
    if caught is None:
        return True
    names = caught.elements if isinstance(caught, cst.Tuple) else ()
    expressions = [element.value for element in names] if names else [caught]
    return any(last_name(expression) in _CANCELLATIONS for expression in expressions)


def last_name(expression: cst.BaseExpression) -> str:
    if isinstance(expression, cst.Name):
        return expression.value
    if isinstance(expression, cst.Attribute):
        return expression.attr.value
    return ""
