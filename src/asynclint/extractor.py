"""The LibCST pass behind :func:`asynclint.facts.extract` (imported only when a file is parsed)."""

from __future__ import annotations

import ast
import sys
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import libcst as cst

from asynclint import guards, masking, memo
from asynclint.cstfields import KINDS, NODE, SEQUENCE, code_fields, kind_of
from asynclint.cstparse import parse_valid_module
from asynclint.facts import (
    _LINE_SPLIT,
    _MAX_EXPR_DEPTH,
    MODULE_SCOPE,
    UNKNOWN,
    CallSite,
    ClassFacts,
    Expr,
    FunctionFacts,
    ModuleFacts,
    Param,
    Site,
    Span,
    Store,
    is_falsy_default,
    parse_suppressions,
    tail_name,
)
from asynclint.markers import LOOP_HOOKS
from asynclint.problems import LIBCST_REJECTS

# ---- scopes ------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Scope:
    kind: str  # "module" | "function" | "class" | "comprehension"
    qualname: str
    bindings: dict[str, Expr] = field(default_factory=dict)
    globals_: set[str] = field(default_factory=set)
    function: FunctionFacts | None = None
    cls: ClassFacts | None = None


def _dotted(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def _module_name(node: cst.BaseExpression | None) -> str:
    if node is None:
        return ""
    return _dotted(node) or ""


_CONSTANTS = {"True": True, "False": False, "None": None}
# Subscriptions whose arguments are values, not types: their strings are not forward references.
_VALUE_SUBSCRIPTS = frozenset({"Literal", "LiteralString"})


class _Extractor(cst.CSTVisitor):
    def __init__(self, facts: ModuleFacts) -> None:
        super().__init__()
        self.facts = facts
        self.module_scope = _Scope("module", "")
        self.scopes: list[_Scope] = [self.module_scope]
        self.awaited: set[int] = set()
        self.call_nodes: list[cst.Call] = []
        self.call_records: list[CallSite | None] = []
        self.def_nodes: list[tuple[cst.FunctionDef, FunctionFacts]] = []
        self.site_nodes: list[tuple[cst.CSTNode, Site | None]] = []  # For/With in source order
        self.comp_nodes: list[tuple[cst.CompFor, Site | None]] = []
        # Every Attribute node in source order (for positions) and the ids of those that are
        # not reads: call targets and assignment targets.
        self.attribute_nodes: list[cst.Attribute] = []
        self.not_reads: set[int] = set()
        self.star_imports: list[str] = []
        self.imported: set[str] = set()
        self.lambda_counter: dict[str, int] = {}
        self.lambda_names: dict[int, str] = {}
        self.module_function = FunctionFacts(MODULE_SCOPE, MODULE_SCOPE, False, None)
        facts.functions[MODULE_SCOPE] = self.module_function
        # Inside the miss branch of a memo idiom (asynclint.memo): what runs there runs once per
        # process or per object ("process", "object"; "" elsewhere).
        self.memo = ""
        # Optional parameters the code being walked needs given (asynclint.guards).
        self.guards: frozenset[str] = frozenset()

    # Node class -> (visit, leave) functions of this class, looked up once. Plain functions, not
    # bound methods: an instance holding its own bound methods would be a reference cycle, and
    # the whole tree it points to would wait for the garbage collector instead of being freed.
    _handlers: ClassVar[dict[type, tuple[Any, Any, tuple[str, ...]]]] = {}

    def walk(self, node: cst.CSTNode) -> None:
        cls = type(node)
        handlers = self._handlers.get(cls)
        if handlers is None:
            name = cls.__name__
            handlers = self._handlers[cls] = (
                getattr(type(self), f"visit_{name}", None),
                getattr(type(self), f"leave_{name}", None),
                code_fields(cls),
            )
        visit, leave, fields = handlers
        if visit is None or visit(self, node) is not False:
            for field_name in fields:
                value = getattr(node, field_name)
                kind = KINDS.get(value.__class__) or kind_of(value.__class__)
                if kind is NODE:
                    self.walk(value)
                elif kind is SEQUENCE:
                    for item in value:
                        if (KINDS.get(item.__class__) or kind_of(item.__class__)) is NODE:
                            self.walk(item)
        if leave is not None:
            leave(self, node)

    # ---- scope helpers ----------------------------------------------------------------------

    @property
    def function(self) -> FunctionFacts:
        for scope in reversed(self.scopes):
            if scope.function is not None:
                return scope.function
        return self.module_function

    def _function_scope(self) -> _Scope:
        for scope in reversed(self.scopes):
            if scope.kind in ("function", "module"):
                return scope
        return self.module_scope

    def lookup(self, name: str) -> Expr:
        """A name read in the current scope.

        Names not bound in an enclosing function are module-level: they resolve against the
        module's *final* bindings later, because functions run after the whole module executed.
        """
        innermost = len(self.scopes) - 1
        for index in range(innermost, 0, -1):
            scope = self.scopes[index]
            # Class bodies are not visible from the methods inside them.
            if scope.kind == "class" and index != innermost:
                continue
            if name in scope.globals_:
                break
            found = scope.bindings.get(name)
            if found is not None:
                return found
        return ("glob", name)

    def bind(self, name: str, value: Expr) -> None:
        scope = self.scopes[-1]
        bindings = self.module_scope.bindings if name in scope.globals_ else scope.bindings
        previous = bindings.get(name)
        if previous is not None and scope.kind == "function" and _is_reset(value):
            # `images = None` / `items = []` on some path does not erase what the name held
            # before (a parameter, a client): bindings are not per path.
            value = ("union", previous, value)
        bindings[name] = value

    # ---- expression conversion --------------------------------------------------------------

    def expr(self, node: cst.BaseExpression | None, depth: int = 0) -> Expr:
        if node is None or depth > _MAX_EXPR_DEPTH:
            return UNKNOWN
        if isinstance(node, cst.Name):
            if node.value in _CONSTANTS:
                return ("lit", _CONSTANTS[node.value])
            return self.lookup(node.value)
        if isinstance(node, cst.Attribute):
            base = self.expr(node.value, depth + 1)
            if base[0] == "imp" and not base[1].endswith("."):
                return ("imp", f"{base[1]}.{node.attr.value}")
            return ("attr", base, node.attr.value)
        if isinstance(node, cst.Call):
            if (
                isinstance(node.func, cst.Name)
                and node.func.value == "super"
                and not node.args
                and self.function.class_name is not None
            ):
                return ("super", self.function.class_name)
            return ("call", self.expr(node.func, depth + 1), self.args(node.args, depth + 1))
        if isinstance(node, cst.Await):
            return ("await", self.expr(node.expression, depth + 1))
        if isinstance(node, cst.Subscript):
            elements = tuple(
                self.expr(el.slice.value, depth + 1)
                for el in node.slice
                if isinstance(el.slice, cst.Index)
            )
            return ("sub", self.expr(node.value, depth + 1), elements)
        if isinstance(node, cst.BinaryOperation):
            if isinstance(node.operator, cst.Divide):
                return ("div", self.expr(node.left, depth + 1))
            if isinstance(node.operator, cst.Add):  # settings.API_PREFIX + "/items"
                return ("add", self.expr(node.left, depth + 1), self.expr(node.right, depth + 1))
            if isinstance(node.operator, cst.BitOr):  # X | None in annotations
                return ("union", self.expr(node.left, depth + 1), self.expr(node.right, depth + 1))
            return UNKNOWN
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            value = _string_value(node)
            return ("lit", value if isinstance(value, str) else None)
        if isinstance(node, cst.Integer):
            try:
                return ("lit", int(node.value.replace("_", ""), 0))
            except ValueError:
                return ("lit", None)
        if isinstance(node, cst.FormattedString):
            return ("fstr", tuple(self._fstring_part(part, depth) for part in node.parts))
        if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            return (
                "list",
                tuple(self.expr(el.value, depth + 1) for el in node.elements),
            )
        if isinstance(node, cst.Dict):
            pairs = [el for el in node.elements if isinstance(el, cst.DictElement)]
            return (
                "dict",
                tuple(self.expr(el.key, depth + 1) for el in pairs),
                tuple(self.expr(el.value, depth + 1) for el in pairs),
            )
        if isinstance(node, cst.Lambda):
            return ("lambda", self._lambda_qualname(node))
        if isinstance(node, cst.Ellipsis):  # tuple[Repo, ...]
            return ("imp", "builtins.Ellipsis")
        if isinstance(node, cst.IfExp):
            return self.expr(node.body, depth + 1)
        if isinstance(node, cst.BooleanOperation):
            if isinstance(node.operator, cst.Or):  # `override or default`: either one
                return ("union", self.expr(node.left, depth + 1), self.expr(node.right, depth + 1))
            return self.expr(node.left, depth + 1)
        if isinstance(node, cst.NamedExpr):
            return self.expr(node.value, depth + 1)
        return UNKNOWN

    def _fstring_part(self, part: cst.BaseFormattedStringContent, depth: int) -> Expr:
        """A part of an f-string: its text, or the expression it formats (formatted otherwise
        than by ``str()``: unknown)."""
        if isinstance(part, cst.FormattedStringText):
            return ("lit", part.value.replace("{{", "{").replace("}}", "}"))
        if (
            isinstance(part, cst.FormattedStringExpression)
            and part.conversion is None
            and part.format_spec is None
        ):
            return self.expr(part.expression, depth + 1)
        return UNKNOWN

    def args(self, args: Any, depth: int) -> tuple[tuple[str | None, Expr], ...]:
        result = []
        for arg in args:
            value = self.expr(arg.value, depth)
            if arg.star:
                value = ("star", value)
            result.append((arg.keyword.value if arg.keyword else None, value))
        return tuple(result)

    def annotation(self, annotation: cst.Annotation | None) -> Expr | None:
        """An annotation as written, its string parts (forward references) parsed."""
        if annotation is None:
            return None
        return self.type_expr(annotation.annotation)

    def type_expr(self, node: cst.BaseExpression, depth: int = 0) -> Expr:
        """An expression in a type position: strings are forward references."""
        if depth > _MAX_EXPR_DEPTH:
            return UNKNOWN
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            text = _string_value(node)
            if isinstance(text, str):
                try:
                    return self.type_expr(cst.parse_expression(text.strip()), depth + 1)
                except (cst.ParserSyntaxError, RecursionError, MemoryError):
                    return ("lit", text)
            return UNKNOWN
        if isinstance(node, cst.Subscript):
            head = self.expr(node.value, depth + 1)
            literal_args = tail_name(head) in _VALUE_SUBSCRIPTS
            elements = []
            for index, element in enumerate(node.slice):
                if not isinstance(element.slice, cst.Index):
                    continue
                value = element.slice.value
                as_type = not literal_args and (index == 0 or tail_name(head) != "Annotated")
                elements.append(
                    self.type_expr(value, depth + 1) if as_type else self.expr(value, depth + 1)
                )
            return ("sub", head, tuple(elements))
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            return (
                "union",
                self.type_expr(node.left, depth + 1),
                self.type_expr(node.right, depth + 1),
            )
        if isinstance(node, (cst.List, cst.Tuple)):  # Callable[[A, B], R], tuple[()] ...
            return ("list", tuple(self.type_expr(el.value, depth + 1) for el in node.elements))
        return self.expr(node, depth)

    # ---- imports ----------------------------------------------------------------------------

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            full = _module_name(alias.name)
            self.imported.add(full)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.bind(alias.asname.name.value, ("imp", full))
            else:
                head = full.split(".", 1)[0]
                self.bind(head, ("imp", head))
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        module = "." * len(node.relative) + _module_name(node.module)
        self.imported.add(module)
        if isinstance(node.names, cst.ImportStar):
            if self.scopes[-1].kind == "module":
                self.star_imports.append(module)
            return False
        for alias in node.names:
            name = _module_name(alias.name)
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            separator = "" if module.endswith(".") else "."
            full = f"{module}{separator}{name}" if module else name
            if module.startswith("."):
                self.imported.add(full)  # `from . import services` names a module
            self.bind(local, ("imp", full))
        return False

    # ---- definitions ------------------------------------------------------------------------

    def _qualname(self, name: str) -> str:
        scope = self.scopes[-1]
        if scope.kind == "module":
            return name
        if scope.kind == "class":
            return f"{scope.qualname}.{name}"
        return f"{self._function_scope().qualname}.<locals>.{name}"

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        outer = (self.memo, self.guards)
        self.memo, self.guards = "", frozenset()  # a body runs when it is called
        self._function_def(node)
        self.memo, self.guards = outer
        return False

    def _function_def(self, node: cst.FunctionDef) -> None:
        for decorator in node.decorators:
            self.walk(decorator)
        qualname = self._qualname(node.name.value)
        enclosing = self.scopes[-1]
        class_name = enclosing.qualname if enclosing.kind == "class" else None
        decorators = tuple(self.expr(d.decorator) for d in node.decorators)
        facts = FunctionFacts(
            qualname=qualname,
            name=node.name.value,
            is_async=node.asynchronous is not None,
            class_name=class_name,
            decorators=decorators,
            parent=None if enclosing.kind in ("module", "class") else self.function.qualname,
        )
        self.facts.functions[qualname] = facts
        self.def_nodes.append((node, facts))
        facts.stub = _is_stub(node.body)
        # Defaults and annotations are evaluated in the enclosing scope (and PEP 695 parameters).
        type_scope = self._type_parameter_scope(node.type_parameters, qualname)
        self.walk(node.params)
        if node.returns is not None:
            self.walk(node.returns)
        facts.returns = self.annotation(node.returns)
        if enclosing.kind == "class":
            assert enclosing.cls is not None
            enclosing.cls.methods[node.name.value] = qualname
            value: Expr = ("def", qualname)
        elif enclosing.kind == "module":
            value = ("glob", node.name.value)
        else:
            value = ("def", qualname)
        scope = _Scope("function", qualname, function=facts)
        facts.params = self._params(node.params, facts, class_name, decorators, scope)
        self.scopes.append(scope)
        self.walk(node.body)
        self.scopes.pop()
        if type_scope is not None:
            self.scopes.pop()
        if value[0] == "glob":
            self.module_scope.bindings[node.name.value] = ("def", qualname)
        else:
            self.bind(node.name.value, value)

    def _params(
        self,
        params: cst.Parameters,
        facts: FunctionFacts,
        class_name: str | None,
        decorators: tuple[Expr, ...],
        scope: _Scope,
    ) -> tuple[Param, ...]:
        decorator_names = {tail_name(d) for d in decorators}
        result: list[Param] = []
        ordered = [*params.posonly_params, *params.params]
        everything = [*ordered, *params.kwonly_params]
        if isinstance(params.star_arg, cst.Param):
            everything.append(params.star_arg)
        if params.star_kwarg is not None:
            everything.append(params.star_kwarg)
        for index, param in enumerate(everything):
            name = param.name.value
            annotation = self.annotation(param.annotation)
            default = self.expr(param.default) if param.default is not None else None
            is_receiver = index == 0 and index < len(ordered) and class_name is not None
            if is_receiver and "staticmethod" not in decorator_names:
                value: Expr = (
                    ("clsref", class_name)
                    if "classmethod" in decorator_names
                    or facts.name in ("__new__", "__init_subclass__", "__class_getitem__")
                    else ("self", class_name)
                )
            else:
                value = ("param", annotation, default, name)
            scope.bindings[name] = value
            result.append(Param(name, annotation, default))
        return tuple(result)

    def _type_parameter_scope(
        self, parameters: cst.TypeParameters | None, owner: str
    ) -> _Scope | None:
        """PEP 695 parameters (``class Repo[T]``, ``def first[T]``): visible in the annotations
        and bodies below, as annotation scopes are."""
        if parameters is None:
            return None
        scope = _Scope("annotation", owner)
        for item in parameters.params:
            self.walk(item)
            scope.bindings[item.param.name.value] = ("tparam", owner, item.param.name.value)
        self.scopes.append(scope)
        return scope

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        outer = (self.memo, self.guards)
        self.memo, self.guards = "", frozenset()
        self._lambda(node)
        self.memo, self.guards = outer
        return False

    def _lambda(self, node: cst.Lambda) -> None:
        qualname = self._lambda_qualname(node)
        facts = FunctionFacts(
            qualname, "<lambda>", False, None, is_lambda=True, parent=self.function.qualname
        )
        self.facts.functions[qualname] = facts
        self.walk(node.params)
        scope = _Scope("function", qualname, function=facts)
        for param in [*node.params.params, *node.params.kwonly_params, *node.params.posonly_params]:
            scope.bindings[param.name.value] = ("param", None, None, param.name.value)
        self.scopes.append(scope)
        self.walk(node.body)
        self.scopes.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        for decorator in node.decorators:
            self.walk(decorator)
        for arg in node.bases:
            self.walk(arg)
        for arg in node.keywords:
            self.walk(arg)
        qualname = self._qualname(node.name.value)
        type_scope = self._type_parameter_scope(node.type_parameters, qualname)
        cls = ClassFacts(
            qualname,
            tuple(self.type_expr(arg.value) for arg in node.bases),
            decorators=tuple(self.expr(d.decorator) for d in node.decorators),
            type_params=tuple(name for name in (type_scope.bindings if type_scope else ())),
        )
        self.facts.classes[qualname] = cls
        self.scopes.append(_Scope("class", qualname, cls=cls))
        self.walk(node.body)
        self.scopes.pop()
        if type_scope is not None:
            self.scopes.pop()
        if self.scopes[-1].kind == "module":
            self.module_scope.bindings[node.name.value] = ("def", qualname)
        else:
            self.bind(node.name.value, ("def", qualname))
        return False

    def _comprehension(self, node: cst.CSTNode) -> bool:
        self.scopes.append(_Scope("comprehension", self.scopes[-1].qualname))
        # The element is written (and walked) before its `for` clauses but evaluated after them:
        # bind the loop targets first so `entry.stat()` in the element knows what `entry` is.
        clause = getattr(node, "for_in", None)
        while isinstance(clause, cst.CompFor):
            self._bind_target(clause.target, ("iter", self.expr(clause.iter)))
            clause = clause.inner_for_in
        return True

    def _leave_comprehension(self, node: cst.CSTNode) -> None:
        self.scopes.pop()

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension
    leave_ListComp = leave_SetComp = leave_DictComp = leave_GeneratorExp = _leave_comprehension

    def visit_CompFor(self, node: cst.CompFor) -> None:
        iterable = self.expr(node.iter)
        if node.asynchronous is not None:
            self.function.awaits = True
            self.comp_nodes.append((node, None))
        else:
            text = _dotted(node.iter) or _describe(node.iter)
            site = Site("iter", iterable, (0, 0, 0, 0), text, self.memo, self._guards())
            self.function.sites.append(site)
            self.comp_nodes.append((node, site))
        self._bind_target(node.target, ("iter", iterable))

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self._function_scope().globals_.add(item.name.value)

    # ---- bindings ---------------------------------------------------------------------------

    def _bind_target(self, target: cst.BaseExpression, value: Expr) -> None:
        if isinstance(target, cst.Name):
            self.bind(target.value, value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            pairwise = (
                value[0] == "list"
                and len(value[1]) == len(elements)
                and not any(isinstance(element, cst.StarredElement) for element in elements)
            )
            starred = False
            for index, element in enumerate(elements):
                starred = starred or isinstance(element, cst.StarredElement)
                if pairwise:
                    item = value[1][index]
                elif starred:
                    item = ("iter", value)
                else:
                    item = ("item", value, index)  # `crm, store = Container.clients`
                self._bind_target(element.value, item)
        elif isinstance(target, cst.Attribute):
            self._bind_attribute(target, value)

    def _bind_attribute(self, target: cst.Attribute, value: Expr) -> None:
        owner = self.lookup(target.value.value) if isinstance(target.value, cst.Name) else None
        if owner is not None and owner[0] == "self":
            cls = self.facts.classes.get(owner[1])
            if cls is not None and (target.attr.value not in cls.attributes or value != UNKNOWN):
                existing = cls.attributes.get(target.attr.value)
                # An annotation (``self.repo: Repo``) is more trustworthy than later assignments.
                if existing is None or existing[0] != "ann":
                    cls.attributes[target.attr.value] = value
        elif value != UNKNOWN:
            base = self.expr(target.value)
            if base != UNKNOWN:
                self.function.stores.append(Store(base, target.attr.value, value))

    def leave_Assign(self, node: cst.Assign) -> None:
        value = self.expr(node.value)
        for target in node.targets:
            self._bind_target(target.target, value)
        self._class_attribute_assign([t.target for t in node.targets], value)

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        annotation = self.annotation(node.annotation)
        value = self.expr(node.value) if node.value is not None else None
        bound: Expr = ("ann", annotation, value)
        if isinstance(node.target, cst.Name):
            self.bind(node.target.value, bound)
        elif isinstance(node.target, cst.Attribute):
            owner = (
                self.lookup(node.target.value.value)
                if isinstance(node.target.value, cst.Name)
                else None
            )
            if owner is not None and owner[0] == "self":
                cls = self.facts.classes.get(owner[1])
                if cls is not None:
                    cls.attributes[node.target.attr.value] = bound
            else:
                self._bind_attribute(node.target, bound)
        self._class_attribute_assign([node.target], bound)

    def leave_TypeAlias(self, node: cst.TypeAlias) -> None:
        """``type SessionDep = Annotated[...]`` (PEP 695): the name stands for its value."""
        self.bind(node.name.value, self.type_expr(node.value))

    def _class_attribute_assign(self, targets: list[cst.BaseExpression], value: Expr) -> None:
        scope = self.scopes[-1]
        if scope.kind == "class" and scope.cls is not None:
            for target in targets:
                if isinstance(target, cst.Name):
                    scope.cls.attributes[target.value] = value

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        if isinstance(node.target, cst.Name):
            self.bind(node.target.value, self.expr(node.value))

    # ---- the things rules care about --------------------------------------------------------

    def visit_Await(self, node: cst.Await) -> None:
        self.function.awaits = True
        if isinstance(node.expression, cst.Call):
            self.awaited.add(id(node.expression))

    def visit_Yield(self, node: cst.Yield) -> None:
        self.function.is_generator = True
        if isinstance(node.value, cst.BaseExpression):
            self.function.yielded = self.expr(node.value)

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None and self.scopes[-1].kind != "class":
            self.function.returned = self.expr(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        index = len(self.attribute_nodes)
        self.attribute_nodes.append(node)
        # Reading `obj.name` may run a property getter; only simple receivers are recorded.
        if id(node) not in self.not_reads and isinstance(node.value, (cst.Name, cst.Attribute)):
            value = self.expr(node)
            if value[0] == "attr":  # `module.attr` folds into an import: no getter to run
                span = (-2, index, 0, 0)
                site = Site("read", value, span, _describe(node), self.memo, self._guards())
                self.function.sites.append(site)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self.not_reads.add(id(target.target))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.not_reads.add(id(node.target))

    def visit_Call(self, node: cst.Call) -> None:
        self.not_reads.add(id(node.func))
        self.call_nodes.append(node)
        callee = self.expr(node.func)
        if callee[0] == "param" and callee[3] not in self.function.called_params:
            # `def retry(fn): return fn()`: whatever is passed as `fn` runs here.
            self.function.called_params += (callee[3],)
        record = CallSite(
            callee=callee,
            args=self.args(node.args, 1),
            span=(0, 0, 0, 0),
            awaited=id(node) in self.awaited,
            text=_dotted(node.func) or _describe(node.func),
            once=self.memo,
            guards=self._guards(),
        )
        self.call_records.append(record)
        self.function.calls.append(record)
        args = record.args
        if callee == ("glob", "setattr") and len(args) == 3 and all(k is None for k, _ in args):
            (_, target), (_, name), (_, value) = args
            if name[0] == "lit" and isinstance(name[1], str) and target != UNKNOWN:
                self.function.stores.append(Store(target, name[1], value))

    def visit_For(self, node: cst.For) -> bool:
        self.walk(node.iter)
        iterable = self.expr(node.iter)
        if node.asynchronous is not None:
            self.function.awaits = True
            self.site_nodes.append((node, None))
        else:
            text = _dotted(node.iter) or _describe(node.iter)
            site = Site("iter", iterable, (0, 0, 0, 0), text, self.memo, self._guards())
            self.function.sites.append(site)
            self.site_nodes.append((node, site))
        self._bind_target(node.target, ("iter", iterable))
        self.not_reads.add(id(node.target))
        self.walk(node.target)
        self.walk(node.body)
        if node.orelse is not None:
            self.walk(node.orelse)
        return False

    def visit_With(self, node: cst.With) -> bool:
        site_for_statement: Site | None = None
        for item in node.items:
            first_call = len(self.call_nodes)
            self.walk(item.item)
            value = self.expr(item.item)
            if node.asynchronous is None:
                text = _dotted(item.item) or _describe(item.item)
                site = Site("enter", value, (0, 0, 0, 0), text, self.memo, self._guards())
                self.function.sites.append(site)
                site_for_statement = site_for_statement or site
                if isinstance(item.item, cst.Call):
                    site.span = (-1, first_call, 0, 0)  # resolved to the call's span later
            if item.asname is not None:
                self._bind_target(item.asname.name, ("enter", value))
                self.not_reads.add(id(item.asname.name))
                self.walk(item.asname.name)
        if node.asynchronous is not None:
            self.function.awaits = True
        self.site_nodes.append((node, site_for_statement))
        self.walk(node.body)
        return False

    # ---- memo idioms (asynclint.memo) ---------------------------------------------------------

    def visit_If(self, node: cst.If) -> bool:
        self.walk(node.test)
        when_true, when_false = guards.truthy(node.test, self._optional)
        miss: cst.CSTNode | None = None
        scope = ""
        found = memo.test_subject(node.test, self.expr)
        if found is not None:
            polarity, subject = found
            branch = node.body if polarity == memo.MISSING else node.orelse
            stored = memo.stores([branch], self.expr, self._is_global) if branch else set()
            scope = memo.memoised(subject, stored)
            if scope:
                miss = branch
        for branch, needs in ((node.body, when_true), (node.orelse, when_false)):
            if branch is not None:
                self._walk_memo(branch, scope if branch is miss else "", needs)
        return False

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> bool:
        """``if key in _cache: return _cache[key]`` makes the rest of the block a miss path;
        ``if not blocking: return`` makes it need ``blocking``."""
        statements = node.body
        scope = ""
        needs: frozenset[str] = frozenset()
        for index, statement in enumerate(statements):
            self._walk_memo(statement, scope, needs)
            if not isinstance(statement, cst.If) or statement.orelse is not None:
                continue
            if memo.ends_with_exit(statement.body):
                needs |= guards.truthy(statement.test, self._optional)[1]
            if not scope and memo.ends_with_return(statement.body):
                found = memo.test_subject(statement.test, self.expr)
                if found is not None and found[0] == memo.PRESENT:
                    rest = statements[index + 1 :]
                    scope = memo.memoised(found[1], memo.stores(rest, self.expr, self._is_global))
        return False

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> bool:
        """``dedup_key is not None and should_emit(dedup_key)``: the right side needs the left."""
        self.walk(node.left)
        when_true, when_false = guards.truthy(node.left, self._optional)
        needs = when_true if isinstance(node.operator, cst.And) else when_false
        self._walk_memo(node.right, "", needs)
        return False

    def _walk_memo(
        self, node: cst.CSTNode, scope: str, needs: frozenset[str] = frozenset()
    ) -> None:
        """Walk ``node``; in a miss branch of ``scope`` when given (the outer one wins), needing
        the optional parameters ``needs`` given too."""
        outer = (self.memo, self.guards)
        self.memo = self.memo or scope
        self.guards = self.guards | needs
        self.walk(node)
        self.memo, self.guards = outer

    def _guards(self) -> tuple[str, ...]:
        return tuple(sorted(self.guards))

    def _optional(self, name: str) -> bool:
        """A parameter of this function with a falsy default, not rebound since."""
        bound = self.lookup(name)
        return bound[0] == "param" and is_falsy_default(bound[2])

    def _is_global(self, name: str) -> bool:
        return name in self._function_scope().globals_

    def _lambda_qualname(self, node: cst.Lambda) -> str:
        """Lambdas are named when first seen: as a call argument, or when visited."""
        name = self.lambda_names.get(id(node))
        if name is None:
            owner = self.function.qualname
            count = self.lambda_counter.get(owner, 0) + 1
            self.lambda_counter[owner] = count
            prefix = "" if owner == MODULE_SCOPE else f"{owner}."
            name = self.lambda_names[id(node)] = f"{prefix}<lambda#{count}>"
        return name


def _is_reset(value: Expr) -> bool:
    """A literal a name is set to as a default or a reset (None, a number, an empty display)."""
    tag = value[0]
    return tag == "lit" or (tag == "list" and not value[1]) or (tag == "dict" and not value[1])


def _is_stub(body: cst.BaseSuite) -> bool:
    """A body that does nothing: ``...``, ``pass``, a docstring, ``raise NotImplementedError``."""
    statements: list[cst.BaseSmallStatement] = []
    if isinstance(body, cst.SimpleStatementSuite):
        statements = list(body.body)
    else:
        for line in body.body:
            if not isinstance(line, cst.SimpleStatementLine):
                return False
            statements.extend(line.body)
    return all(_is_stub_statement(statement) for statement in statements)


def _is_stub_statement(statement: cst.BaseSmallStatement) -> bool:
    if isinstance(statement, cst.Pass):
        return True
    if isinstance(statement, cst.Expr):
        return isinstance(statement.value, (cst.Ellipsis, cst.SimpleString, cst.ConcatenatedString))
    if isinstance(statement, cst.Raise):
        raised = statement.exc
        if isinstance(raised, cst.Call):
            raised = raised.func
        return isinstance(raised, cst.Name) and raised.value == "NotImplementedError"
    return False


def _string_value(node: cst.BaseExpression) -> str | bytes | None:
    """What LibCST's ``evaluated_value`` gives for a string or a concatenation of strings.

    That property calls ``ast.literal_eval``, whose nested helper functions make a reference
    cycle on every call: garbage that only the cyclic collector frees, and runs pause it
    (decision 0013). CPython's parse of the literal gives the same value and no cycle.
    """
    if isinstance(node, cst.SimpleString):
        try:
            parsed = ast.parse(node.value, mode="eval").body
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return None
        value = parsed.value if isinstance(parsed, ast.Constant) else None
        return value if isinstance(value, (str, bytes)) else None
    if isinstance(node, cst.ConcatenatedString):
        left, right = _string_value(node.left), _string_value(node.right)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        if isinstance(left, bytes) and isinstance(right, bytes):
            return left + right
    return None  # f-strings have no value before they run


def _describe(node: cst.CSTNode) -> str:
    if isinstance(node, cst.Call):
        return f"{_dotted(node.func) or _describe(node.func)}()"
    if isinstance(node, cst.Attribute):
        return f"{_describe(node.value)}.{node.attr.value}"
    if isinstance(node, cst.Subscript):
        return f"{_describe(node.value)}[...]"
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.BinaryOperation) and type(node.operator) in _OPERATORS:
        symbol = _OPERATORS[type(node.operator)]
        return f"({_describe(node.left)} {symbol} {_describe(node.right)})"
    if isinstance(node, (cst.SimpleString, cst.Integer, cst.Float)):
        return node.value if len(node.value) <= 24 else f"{node.value[:20]}...{node.value[-1]}"
    if isinstance(node, (cst.FormattedString, cst.ConcatenatedString)):
        return 'f"..."' if isinstance(node, cst.FormattedString) else '"..."'
    return type(node).__name__.lower()


# Operators whose operands a description shows: ``(base / name).resolve()``.
_OPERATORS = {cst.Divide: "/", cst.Add: "+", cst.Modulo: "%"}


# ---- positions ----------------------------------------------------------------------------------


class _TooDeep(Exception):
    """Nesting that LibCST's native parser could overflow its stack on (it kills the process)."""


# LibCST's native parser recurses once per link of an attribute/call/subscript chain and
# crashes at about 6,000 links (measured with libcst 1.9); operator chains are fine.
MAX_TRAILER_CHAIN = 2_500


# Fields that hold only an expression context (``Load``/``Store``) or an operator: shared
# singleton-like nodes no reader of the list looks for (they read ``node.ctx`` on the owner).
_MARKER_FIELDS = frozenset({"ctx", "op", "ops"})
_AST_FIELDS: dict[type, tuple[str, ...]] = {}


def all_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of a tree but contexts and operators, breadth-first (parents before
    children), listed once per parse for all that reads the tree: ``ast.walk`` costs more than
    its users, and there are several."""
    found = [tree]
    index = 0
    while index < len(found):
        node = found[index]
        index += 1
        cls = node.__class__
        names = _AST_FIELDS.get(cls)
        if names is None:
            names = _AST_FIELDS[cls] = tuple(f for f in cls._fields if f not in _MARKER_FIELDS)
        for name in names:
            value = getattr(node, name, None)
            if value.__class__ is list:
                found.extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                found.append(value)
    return found


_TRAILERS = frozenset({ast.Attribute, ast.Call, ast.Subscript})


def _check_trailer_chains(nodes: list[ast.AST]) -> None:
    counted: set[int] = set()
    for node in nodes:  # breadth-first: the top of a chain comes before its links
        if node.__class__ not in _TRAILERS or id(node) in counted:
            continue
        length, link = 0, node
        while link.__class__ in _TRAILERS:
            counted.add(id(link))
            length += 1
            link = link.func if isinstance(link, ast.Call) else link.value
        if length > MAX_TRAILER_CHAIN:
            raise _TooDeep


def _builtin_parse(
    source: str,
) -> tuple[ast.Module | None, list[ast.AST], SyntaxError | None]:
    """CPython's own parse (and its nodes): positions, exact syntax errors, and a guard against
    deep nesting."""
    try:
        tree = ast.parse(source)
        nodes = all_nodes(tree)
        _check_trailer_chains(nodes)
        return tree, nodes, None
    except SyntaxError as error:
        error.__traceback__ = None  # its frames would hold the parse in a reference cycle
        return None, [], error
    except (RecursionError, MemoryError) as error:
        raise _TooDeep from error
    except ValueError:
        return None, [], None


# Node classes whose positions the extractor pairs with LibCST's nodes, by kind.
_SPAN_KINDS: dict[type, str] = {
    ast.Call: "call",
    ast.FunctionDef: "def",
    ast.AsyncFunctionDef: "def",
    ast.For: "site",
    ast.AsyncFor: "site",
    ast.With: "site",
    ast.AsyncWith: "site",
    ast.comprehension: "comp",
    ast.Attribute: "attr",
}


def builtin_spans(
    nodes: list[ast.AST], source: str, blanked: tuple[tuple[int, int], ...] = ()
) -> dict[str, list[Span]]:
    """Positions of calls, defs, for/with statements and comprehension iterables.

    LibCST computes positions by generating the whole module again (about 3x the parse); the
    builtin parser gives them for a fraction of that. Nodes are paired by kind in source order and
    the pairing is verified by count; on any doubt the caller falls back to LibCST's provider.
    """
    lines: list[str] | None = None
    out: dict[str, list[tuple[int, int, int, int, str]]] = {
        "call": [],
        "def": [],
        "site": [],
        "comp": [],
        "attr": [],
    }
    blanked_starts = [first for first, _ in blanked]
    for node in nodes:
        kind = _SPAN_KINDS.get(node.__class__)
        if kind is None:
            continue
        if kind == "call":
            name = node.func.id if isinstance(node.func, ast.Name) else ""  # type: ignore[attr-defined]
        elif kind == "def":
            name = node.name  # type: ignore[attr-defined]
        elif kind == "comp":
            name, node = "", node.iter  # type: ignore[attr-defined]
        elif kind == "attr":
            name = node.attr  # type: ignore[attr-defined]
        else:
            name = ""
        line, col = node.lineno, node.col_offset  # type: ignore[attr-defined]
        if blanked:  # not in a blanked body (a blanked function's own signature counts)
            index = bisect_right(blanked_starts, line) - 1
            if index >= 0 and line <= blanked[index][1]:
                continue
        end_line = node.end_lineno or line  # type: ignore[attr-defined]
        end_col = node.end_col_offset or col  # type: ignore[attr-defined]
        out[kind].append((line, col, -end_line, -end_col, name))
    result: dict[str, list[Span]] = {}
    for kind, items in out.items():
        items.sort()
        spans = []
        for line, col, neg_end_line, neg_end_col, _ in items:
            end_line, end_col = -neg_end_line, -neg_end_col
            if lines is None and (not source.isascii()):
                lines = _LINE_SPLIT.split(source)
            if lines is not None:
                col = char_column(lines, line, col)
                end_col = char_column(lines, end_line, end_col)
            spans.append((line, col + 1, end_line, end_col + 1))
        result[kind] = spans
        result[kind + ":names"] = [item[4] for item in items]  # type: ignore[assignment]
    return result


def calls_and_defs_pair(
    spans: dict[str, list[Span]], calls: list[cst.Call], definitions: list[cst.FunctionDef]
) -> bool:
    """Whether CPython's calls and defs (from :func:`builtin_spans`) pair one to one, in order,
    with LibCST's: same counts, same callee names of plain-name calls, same function names."""
    call_names, def_names = spans["call:names"], spans["def:names"]
    return (
        len(spans["call"]) == len(calls)
        and len(spans["def"]) == len(definitions)
        and all(
            name == (call.func.value if isinstance(call.func, cst.Name) else "")
            for name, call in zip(call_names, calls, strict=True)  # type: ignore[arg-type]
        )
        and all(
            name == node.name.value
            for name, node in zip(def_names, definitions, strict=True)  # type: ignore[arg-type]
        )
    )


def char_column(lines: list[str], line: int, byte_col: int) -> int:
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    if text.isascii():
        return byte_col
    return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="replace"))


def _libcst_spans(module: cst.Module, nodes: list[cst.CSTNode]) -> list[Span]:
    from libcst.metadata import MetadataWrapper, PositionProvider

    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    spans = []
    for node in nodes:
        pos = positions[node]
        spans.append((pos.start.line, pos.start.column + 1, pos.end.line, pos.end.column + 1))
    return spans


def _assign_positions(
    module: cst.Module,
    source: str,
    ex: _Extractor,
    nodes: list[ast.AST] | None,
    blanked: tuple[tuple[int, int], ...] = (),
) -> None:
    def_nodes = [node for node, _ in ex.def_nodes]
    site_nodes = [node for node, _ in ex.site_nodes]
    comp_iters = [node.iter for node, _ in ex.comp_nodes]
    spans = builtin_spans(nodes, source, blanked) if nodes is not None else None
    ok = (
        spans is not None
        and len(spans["attr"]) == len(ex.attribute_nodes)
        and all(
            name == node.attr.value
            for name, node in zip(spans["attr:names"], ex.attribute_nodes, strict=False)  # type: ignore[arg-type]
        )
        and len(spans["site"]) == len(site_nodes)
        and len(spans["comp"]) == len(comp_iters)
        and calls_and_defs_pair(spans, ex.call_nodes, def_nodes)
    )
    if ok:
        assert spans is not None
        call_spans, def_spans, site_spans = spans["call"], spans["def"], spans["site"]
        comp_spans, attr_spans = spans["comp"], spans["attr"]
    else:
        everything = _libcst_spans(
            module, [*ex.call_nodes, *def_nodes, *site_nodes, *comp_iters, *ex.attribute_nodes]
        )
        n_calls, n_defs, n_sites = len(ex.call_nodes), len(def_nodes), len(site_nodes)
        call_spans = everything[:n_calls]
        def_spans = everything[n_calls : n_calls + n_defs]
        site_spans = everything[n_calls + n_defs : n_calls + n_defs + n_sites]
        rest = everything[n_calls + n_defs + n_sites :]
        comp_spans, attr_spans = rest[: len(comp_iters)], rest[len(comp_iters) :]
        # LibCST's FunctionDef span starts at the first decorator; report the def line.
        def_spans = [
            (span[0] + _decorator_lines(node), span[1], span[2], span[3])
            for span, node in zip(def_spans, def_nodes, strict=False)
        ]
    for record, span in zip(ex.call_records, call_spans, strict=False):
        if record is not None:
            record.span = span
    for (_, facts), span in zip(ex.def_nodes, def_spans, strict=False):
        facts.span = span
    for (_node, site), span in zip(ex.site_nodes, site_spans, strict=False):
        if site is not None and site.span[0] != -1:
            site.span = span
    for (_node, site), span in zip(ex.comp_nodes, comp_spans, strict=False):
        if site is not None:
            site.span = span
    # With-items that are calls report at the call itself.
    for function in ex.facts.functions.values():
        for site in function.sites:
            if site.span[0] == -1:
                index = site.span[1]
                site.span = call_spans[index] if index < len(call_spans) else (1, 1, 1, 1)
            elif site.span[0] == -2:
                index = site.span[1]
                site.span = attr_spans[index] if index < len(attr_spans) else (1, 1, 1, 1)
        if function.span == (1, 1, 1, 1) and function.calls and function.is_lambda:
            function.span = function.calls[0].span


def _decorator_lines(node: cst.FunctionDef) -> int:
    lines = 0
    for decorator in node.decorators:
        lines += 1 + len(decorator.leading_lines)
    lines += len(node.lines_after_decorators)
    return lines


def extract(source: str, path: str) -> ModuleFacts:
    """Facts of one module. Never raises for bad input: ``facts.error`` says what went wrong."""
    facts = _with_deep_recursion(lambda: _extract(source, path, ModuleFacts(path=path)))
    assert facts is not None
    return facts


def extract_if_loop_code(source: str, path: str) -> ModuleFacts | None:
    """Like :func:`extract`, but ``None`` for a valid module without code that runs on the loop
    (its text only seemed to have some: ``async def`` in a string or a comment)."""
    return _with_deep_recursion(lambda: _extract(source, path, ModuleFacts(path=path), quiet=True))


def extract_bodies(source: str, path: str, keep: list[tuple[int, int]]) -> ModuleFacts:
    """Facts of the ``keep`` lines of ``source`` (bodies a skeleton left out), everything else
    blanked: the functions found there are merged into the skeleton's facts."""
    text = masking.bodies_source(source, keep)
    facts = _with_deep_recursion(lambda: _extract(text, path, ModuleFacts(path=path), whole=True))
    if facts is not None and facts.error is not None:
        # Never expected (blanking keeps a valid file valid), but a body must not go missing:
        # the whole file has every body.
        facts = _with_deep_recursion(
            lambda: _extract(source, path, ModuleFacts(path=path), whole=True)
        )
    assert facts is not None
    return facts


def _with_deep_recursion(run: Callable[[], ModuleFacts | None]) -> ModuleFacts | None:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))
    try:
        return run()
    finally:
        sys.setrecursionlimit(limit)


def _extract(
    source: str, path: str, facts: ModuleFacts, *, whole: bool = False, quiet: bool = False
) -> ModuleFacts | None:
    facts.suppressions = parse_suppressions(source)
    try:
        tree, nodes, builtin_error = _builtin_parse(source)
    except _TooDeep:
        facts.error = ("file is too deeply nested to analyse", 1, 1)
        return facts
    if builtin_error is not None and "too many nested" in str(builtin_error.msg):
        facts.error = (f"syntax error: {builtin_error.msg}", builtin_error.lineno or 1, 1)
        return facts
    if quiet and tree is not None and not _holds_loop_code(nodes, source):
        return None
    skeleton = masking.skeleton(source, tree, nodes) if tree is not None and not whole else None
    module: cst.Module | None = None
    if skeleton is not None and skeleton.masked:
        try:
            module = parse_valid_module(skeleton.text)
        except (cst.ParserSyntaxError, RecursionError, MemoryError):
            skeleton = None  # blanking must never cost a file its facts: parse all of it
    if module is None:
        skeleton = None
        try:
            module = cst.parse_module(source) if tree is None else parse_valid_module(source)
        except cst.ParserSyntaxError as error:
            if tree is not None:  # valid Python: not a syntax error, a limit of LibCST
                message = f"{LIBCST_REJECTS}: {error.message}"
                facts.error = (message, error.raw_line, error.raw_column + 1)
            elif builtin_error is not None and builtin_error.lineno:
                # CPython pinpoints the error; LibCST often reports the next token instead.
                column = builtin_error.offset or 1
                facts.error = (f"syntax error: {builtin_error.msg}", builtin_error.lineno, column)
            else:
                facts.error = (
                    f"syntax error: {error.message}",
                    error.raw_line,
                    error.raw_column + 1,
                )
            return facts
        except (RecursionError, MemoryError):
            if tree is not None:
                facts.error = (f"{LIBCST_REJECTS}: it is nested too deeply", 1, 1)
            else:
                facts.error = ("file is too deeply nested to parse", 1, 1)
            return facts
    extractor = _Extractor(facts)
    blanked = skeleton.blanked if skeleton is not None else ()
    try:
        extractor.walk(module)
        _assign_positions(module, source, extractor, nodes if tree is not None else None, blanked)
    except RecursionError:
        facts = ModuleFacts(path=path, suppressions=facts.suppressions)
        facts.error = ("file is too deeply nested to analyse", 1, 1)
        return facts
    facts.bindings = dict(extractor.module_scope.bindings)
    facts.imported = tuple(sorted(extractor.imported))
    facts.star_imports = tuple(extractor.star_imports)
    facts.has_async = any(f.is_async for f in facts.functions.values())
    if skeleton is not None:
        facts.masked = dict(skeleton.masked)
        facts.masked_stores = dict(skeleton.stores)
        for qualname in facts.masked:  # a blanked body reads as a docstring until it is parsed
            function = facts.functions.get(qualname)
            if function is not None:
                function.stub = False
    return facts


_LOOP_NODES = (ast.AsyncFunctionDef, ast.AsyncFor, ast.AsyncWith, ast.Await)


def _holds_loop_code(nodes: list[ast.AST], source: str) -> bool:
    if LOOP_HOOKS.search(source) is not None:
        return True
    return any(isinstance(node, _LOOP_NODES) for node in nodes)
