"""What FastAPI/Starlette run where: routes, dependencies, background tasks, handlers.

Verified against FastAPI's and Starlette's source: ``async def`` endpoints, dependencies, background
tasks and exception handlers run on the event loop, ``def`` ones in the threadpool; HTTP middleware
and lifespan run on the loop; ``on_startup``/``on_shutdown`` handlers run on the loop *even when
sync* (Starlette calls a sync handler directly).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from asynclint.analysis import FunctionId, Program
from asynclint.analysis.values import (
    Bound,
    CatalogInstance,
    ClassRef,
    ContextManagerFunction,
    DependsMarker,
    External,
    FunctionRef,
    Instance,
    ModuleRef,
    Value,
    options_of,
)
from asynclint.facts import Expr, FunctionFacts
from asynclint.markers import REGISTRATION_METHODS, ROUTE_OBJECTS, WEB_PACKAGES

HTTP_METHODS = ("get", "post", "put", "delete", "patch", "options", "head", "trace")
_APP_TYPES = ("fastapi.FastAPI", "starlette.applications.Starlette")
_ROUTER_TYPES = ("fastapi.APIRouter", "fastapi.routing.APIRouter", "starlette.routing.Router")
_VALIDATORS = frozenset({"field_validator", "model_validator", "validator", "root_validator"})


def uses_web_framework(imported: Iterable[str]) -> bool:
    return any(name.split(".", 1)[0] in WEB_PACKAGES for name in imported)


@dataclass(slots=True)
class Route:
    methods: tuple[str, ...]
    path: str
    handler: FunctionId
    websocket: bool = False
    dependencies: list[FunctionId] = field(default_factory=list)
    background_tasks: list[FunctionId] = field(default_factory=list)
    streamed: list[FunctionId] = field(default_factory=list)
    validators: list[FunctionId] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{'WEBSOCKET' if self.websocket else '/'.join(self.methods)} {self.path}"


@dataclass(slots=True)
class FastAPIModel:
    routes: list[Route] = field(default_factory=list)
    # Where a function runs and why, for messages: fid -> "async route GET /users/{id}".
    contexts: dict[FunctionId, str] = field(default_factory=dict)
    # Sync functions that nevertheless run on the loop (startup/shutdown handlers).
    loop_sync: set[FunctionId] = field(default_factory=set)


def _tail(value: Value) -> str:
    return value.tail if isinstance(value, External) else ""


class _Builder:
    def __init__(self, project: Program, modules: Iterable[str]) -> None:
        self.project = project
        # Only modules that import FastAPI/Starlette can create apps, routers or registrations.
        self.modules = sorted(
            module
            for module in modules
            if (facts := project.facts.get(module)) is not None
            and uses_web_framework(facts.imported)
        )
        self.model = FastAPIModel()
        self.prefixes: dict[tuple[str, str], str] = {}  # router identity -> own prefix
        self.router_deps: dict[tuple[str, str], list[Expr]] = {}
        self.includes: list[
            tuple[tuple[str, str], tuple[str, str], str]
        ] = []  # parent, child, prefix
        # Routes as registered (path without router prefixes), with the router they belong to.
        self.registered: list[tuple[Route, tuple[str, str] | None]] = []
        self.starlette_seen: set[tuple[str, str, str]] = set()

    # Identity of an app/router object: the module-level binding that created it.
    def identity(self, expr: Expr, module: str, depth: int = 0) -> tuple[str, str] | None:
        if depth > 8:
            return None
        project = self.project
        if expr[0] == "glob":
            facts = project.module_facts(module)
            bound = facts.bindings.get(expr[1]) if facts else None
            if bound is None:
                return None
            if bound[0] in ("imp", "glob", "attr"):
                return self.identity(bound, module, depth + 1)
            return (module, expr[1])
        if expr[0] == "imp":
            absolute = project.index.absolute(expr[1], module)
            split = project.index.split(absolute, project.index.by_name.get(module))
            if split is None or len(split[1]) != 1:
                return None
            return self.identity(("glob", split[1][0]), split[0], depth + 1)
        if expr[0] == "attr" and expr[1][0] in ("glob", "imp"):
            base = project.evaluate(expr[1], module)
            if isinstance(base, ModuleRef):
                return self.identity(("glob", expr[2]), base.name, depth + 1)
        return None

    def kind_of(self, value: Value) -> str:
        if isinstance(value, CatalogInstance):
            if value.type in _APP_TYPES:
                return "app"
            if value.type in _ROUTER_TYPES:
                return "router"
        return ""

    def build(self) -> FastAPIModel:
        project = self.project
        for module in self.modules:
            facts = project.module_facts(module)
            if facts is None:
                continue
            for name, bound in facts.bindings.items():
                if bound[0] == "call":
                    kind = self.kind_of(project.evaluate(bound, module))
                    if kind:
                        self._register_object(module, name, bound, kind)
            for function in facts.functions.values():
                for call in function.calls:
                    self._registration_call(call.callee, call.args, module)
                    self._route_object(call.callee, call.args, module, "")
        for module in self.modules:
            facts = project.module_facts(module)
            if facts is None:
                continue
            for function in facts.functions.values():
                for decorator in function.decorators:
                    self._decorator(decorator, function, module)
        self._finish_routes()
        return self.model

    def _register_object(self, module: str, name: str, bound: Expr, kind: str) -> None:
        prefix = ""
        for keyword, value in bound[2]:
            if keyword == "prefix" and value[0] == "lit" and isinstance(value[1], str):
                prefix = value[1]
            elif keyword == "dependencies" and value[0] == "list":
                self.router_deps[(module, name)] = list(value[1])
            elif keyword in ("on_startup", "on_shutdown") and value[0] == "list":
                for handler in value[1]:
                    self._startup(self.project.evaluate(handler, module), keyword[3:])
            elif keyword == "lifespan":
                self._context(self.project.evaluate(value, module), "lifespan")
        self.prefixes[(module, name)] = prefix

    def _registration_call(self, callee: Expr, args: tuple, module: str) -> None:
        if callee[0] != "attr" or callee[2] not in REGISTRATION_METHODS:
            return
        method = callee[2]
        receiver = self.project.evaluate(callee[1], module)
        if not self.kind_of(receiver):
            return
        positional = [value for keyword, value in args if keyword is None]
        keywords = {keyword: value for keyword, value in args if keyword}
        if method == "include_router" and positional:
            parent = self.identity(callee[1], module)
            child = self.identity(positional[0], module)
            prefix = keywords.get("prefix", ("lit", ""))
            if parent and child:
                text = prefix[1] if prefix[0] == "lit" and isinstance(prefix[1], str) else ""
                self.includes.append((parent, child, text))
        elif method in (
            "add_api_route",
            "add_route",
            "add_api_websocket_route",
            "add_websocket_route",
        ):
            endpoint = keywords.get("endpoint", positional[1] if len(positional) > 1 else None)
            path = keywords.get("path", positional[0] if positional else ("lit", ""))
            if endpoint is None:
                return
            target = self.project.evaluate(endpoint, module)
            websocket = "websocket" in method
            methods = self._methods(keywords.get("methods"), "GET")
            self._add_route(
                target, path, methods, websocket, self.identity(callee[1], module), keywords, module
            )
        elif method == "add_event_handler" and len(positional) >= 2:
            event = positional[0]
            if event[0] == "lit":
                self._startup(self.project.evaluate(positional[1], module), str(event[1]))
        elif method == "add_exception_handler" and len(positional) >= 2:
            self._context(self.project.evaluate(positional[1], module), "exception handler")
        elif method == "add_middleware" and positional:
            cls = self.project.evaluate(positional[0], module)
            if isinstance(cls, ClassRef):
                dispatch = self.project.resolver.attribute(Instance(cls, exact=True), "dispatch")
                self._context(dispatch, "HTTP middleware")

    def _route_object(self, callee: Expr, args: tuple, module: str, prefix: str) -> None:
        """Starlette: `Route(path, endpoint)`, `WebSocketRoute`, `Mount(prefix, routes=...)`."""
        kind = _tail(self.project.evaluate(callee, module))
        if kind not in ROUTE_OBJECTS:
            return
        positional = [value for keyword, value in args if keyword is None]
        keywords = {keyword: value for keyword, value in args if keyword}
        path = keywords.get("path", positional[0] if positional else ("lit", ""))
        text = path[1] if path[0] == "lit" and isinstance(path[1], str) else ""
        if kind == "Mount":
            routes = keywords.get("routes", positional[2] if len(positional) > 2 else None)
            if routes is not None and routes[0] == "list":
                for item in routes[1]:
                    if item[0] == "call":
                        self._route_object(item[1], item[2], module, prefix + text)
            return
        endpoint = keywords.get("endpoint", positional[1] if len(positional) > 1 else None)
        if endpoint is None:
            return
        key = (text, repr(endpoint), module)
        if key in self.starlette_seen:
            return  # the same Route seen inside its Mount, then as a call of its own
        self.starlette_seen.add(key)
        websocket = kind == "WebSocketRoute"
        methods = ("WEBSOCKET",) if websocket else self._methods(keywords.get("methods"), "GET")
        self._add_route(
            self.project.evaluate(endpoint, module),
            ("lit", prefix + text),
            methods,
            websocket,
            None,
            keywords,
            module,
        )

    def _decorator(self, decorator: Expr, function: FunctionFacts, module: str) -> None:
        if decorator[0] != "call" or decorator[1][0] != "attr":
            return
        receiver_expr, method = decorator[1][1], decorator[1][2]
        receiver = self.project.evaluate(receiver_expr, module)
        if not self.kind_of(receiver):
            return
        args = decorator[2]
        positional = [value for keyword, value in args if keyword is None]
        keywords = {keyword: value for keyword, value in args if keyword}
        target: Value = FunctionRef(module, function.qualname)
        path = keywords.get("path", positional[0] if positional else ("lit", ""))
        if method in HTTP_METHODS:
            self._add_route(
                target,
                path,
                (method.upper(),),
                False,
                self.identity(receiver_expr, module),
                keywords,
                module,
            )
        elif method in ("api_route", "route"):
            methods = self._methods(keywords.get("methods"), "GET")
            self._add_route(
                target, path, methods, False, self.identity(receiver_expr, module), keywords, module
            )
        elif method in ("websocket", "websocket_route"):
            self._add_route(
                target,
                path,
                ("WEBSOCKET",),
                True,
                self.identity(receiver_expr, module),
                keywords,
                module,
            )
        elif method == "middleware":
            self._context(target, "HTTP middleware")
        elif method == "exception_handler":
            self._context(target, "exception handler")
        elif method == "on_event" and positional and positional[0][0] == "lit":
            self._startup(target, str(positional[0][1]))

    @staticmethod
    def _methods(value: Expr | None, default: str) -> tuple[str, ...]:
        if value is not None and value[0] == "list":
            found = tuple(
                str(item[1]).upper()
                for item in value[1]
                if item[0] == "lit" and isinstance(item[1], str)
            )
            if found:
                return found
        return (default,)

    def _add_route(
        self,
        target: Value,
        path: Expr,
        methods: tuple[str, ...],
        websocket: bool,
        owner: tuple[str, str] | None,
        keywords: dict[str, Expr],
        module: str,
    ) -> None:
        handler = self._function_id(target)
        if handler is None:
            return
        text = path[1] if path[0] == "lit" and isinstance(path[1], str) else "?"
        route = Route(methods, text, handler, websocket)
        route.dependencies.extend(self._route_dependency_exprs(keywords, module))
        self.registered.append((route, owner))

    def _route_dependency_exprs(self, keywords: dict[str, Expr], module: str) -> list[FunctionId]:
        found = []
        dependencies = keywords.get("dependencies")
        if dependencies is not None and dependencies[0] == "list":
            for item in dependencies[1]:
                fid = self._depends_target(item, module)
                if fid:
                    found.append(fid)
        return found

    def _depends_target(self, expr: Expr, module: str) -> FunctionId | None:
        if expr[0] != "call":
            return None
        marker = self.project.evaluate(expr, module)
        if not isinstance(marker, DependsMarker) or marker.target is None:
            return None
        return self._function_id(marker.target, dependency=True)

    def _function_id(self, value: Value, *, dependency: bool = False) -> FunctionId | None:
        for option in options_of(value):
            if isinstance(option, ContextManagerFunction):
                option = option.call
            if isinstance(option, FunctionRef):
                return (option.module, option.qualname)
            if isinstance(option, Bound):
                return (option.function.module, option.function.qualname)
            if dependency and isinstance(option, (ClassRef, Instance)):
                # Class dependencies: FastAPI calls the class (its __init__) or the instance.
                member = "__init__" if isinstance(option, ClassRef) else "__call__"
                instance = option if isinstance(option, Instance) else Instance(option, exact=True)
                found = self.project.resolver.attribute(instance, member)
                if isinstance(found, Bound):
                    return (found.function.module, found.function.qualname)
        return None

    def _context(self, value: Value, label: str) -> None:
        fid = self._function_id(value)
        if fid is not None:
            self.model.contexts.setdefault(fid, label)

    def _startup(self, value: Value, event: str) -> None:
        fid = self._function_id(value)
        if fid is None:
            return
        self.model.contexts.setdefault(fid, f"{event} handler")
        function = self.project.function(fid)
        if function is not None and not function.is_async:
            self.model.loop_sync.add(fid)

    # ---- after all registrations are known ---------------------------------------------------

    def _full_prefixes(self, router: tuple[str, str] | None, depth: int = 0) -> list[str]:
        if router is None:
            return [""]
        own = self.prefixes.get(router, "")
        parents = [(parent, prefix) for parent, child, prefix in self.includes if child == router]
        if not parents or depth > 10:
            return [own]
        return [
            outer + prefix + own
            for parent, prefix in parents
            for outer in self._full_prefixes(parent, depth + 1)
        ]

    def _finish_routes(self) -> None:
        routes = []
        for route, owner in self.registered:
            dependencies = list(route.dependencies)
            if owner is not None:  # `dependencies=[...]` of the router and the routers above it
                for chain_owner in self._owner_chain(owner):
                    for item in self.router_deps.get(chain_owner, []):
                        fid = self._depends_target(item, chain_owner[0])
                        if fid:
                            dependencies.append(fid)
            for prefix in self._full_prefixes(owner):
                routes.append(
                    Route(
                        route.methods,
                        prefix + route.path,
                        route.handler,
                        route.websocket,
                        list(dependencies),
                    )
                )
        routes.sort(key=lambda r: (r.path, r.methods))
        for route in routes:
            self._collect(route)
        self.model.routes = routes

    def _owner_chain(self, owner: tuple[str, str]) -> list[tuple[str, str]]:
        chain, pending, seen = [], [owner], set()
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            chain.append(current)
            pending.extend(parent for parent, child, _ in self.includes if child == current)
        return chain

    def _collect(self, route: Route) -> None:
        """Dependencies (transitively), background tasks and streamed generators of a route."""
        project = self.project
        handler = project.function(route.handler)
        runs = "async" if handler is not None and handler.is_async else "sync"
        described = f"websocket {route.path}" if route.websocket else f"route {route.label}"
        self.model.contexts.setdefault(route.handler, f"{runs} {described}")
        pending = [route.handler, *route.dependencies]
        seen: set[FunctionId] = set()
        while pending:
            fid = pending.pop(0)
            if fid in seen:
                continue
            seen.add(fid)
            function = project.function(fid)
            if function is None:
                continue
            if fid != route.handler:
                if fid not in route.dependencies:
                    route.dependencies.append(fid)
                self.model.contexts.setdefault(fid, f"dependency {function.name} of {route.label}")
            resolver = project.resolver
            for param in function.params:
                form = resolver.evaluate(param.annotation, fid[0])
                self._validators(form, fid[0], route)
                provider = resolver.dependency_target(form, param.default, fid[0])
                dep = self._function_id(provider, dependency=True) if provider else None
                if dep:
                    pending.append(dep)
            for call in function.calls:
                self._scan_call(call.callee, call.args, fid, route)

    def _validators(self, form: Value, module: str, route: Route) -> None:
        """Pydantic validators of a body model run on the loop, whatever the route's kind."""
        project = self.project
        hierarchy = project.hierarchy
        for option in options_of(project.resolver.instance_of(form, module)):
            if not isinstance(option, Instance):
                continue
            model = option.cls
            bases = hierarchy.external_bases(model)
            if not any(base.rsplit(".", 1)[-1] == "BaseModel" for base in bases):
                continue
            for entry in hierarchy.mro(model):
                cls = hierarchy.class_facts(entry)
                if cls is None:
                    continue
                for qualname in cls.methods.values():
                    method = project.function((entry.module, qualname))
                    if method is None or method.is_async:
                        continue
                    names = {_tail(project.evaluate(d, entry.module)) for d in method.decorators}
                    names |= {
                        _tail(project.evaluate(d[1], entry.module))
                        for d in method.decorators
                        if d[0] == "call"
                    }
                    if names & _VALIDATORS:
                        fid = (entry.module, qualname)
                        self.model.loop_sync.add(fid)
                        if fid not in route.validators:
                            route.validators.append(fid)
                        self.model.contexts.setdefault(
                            fid, f"validator {qualname} of {route.label} (runs on the event loop)"
                        )

    def _scan_call(self, callee: Expr, args: tuple, owner: FunctionId, route: Route) -> None:
        project = self.project
        module = owner[0]
        if callee[0] == "attr" and callee[2] == "add_task" and args:
            task = self._function_id(project.evaluate(args[0][1], module))
            if task and task not in route.background_tasks:
                route.background_tasks.append(task)
                function = project.function(task)
                if function is not None:
                    self.model.contexts.setdefault(
                        task, f"background task {function.name} of {route.label}"
                    )
            return
        value = project.evaluate(callee, module)
        if _tail(value) == "StreamingResponse" and args:
            content = args[0][1]
            if content[0] == "call":
                generator = project.evaluate(content[1], module)
                fid = self._function_id(generator)
                function = project.function(fid) if fid else None
                if fid and function is not None and function.is_generator:
                    route.streamed.append(fid)
                    self.model.contexts.setdefault(
                        fid, f"streaming generator {function.name} of {route.label}"
                    )


def build_model(project: Program, modules: Iterable[str]) -> FastAPIModel:
    return _Builder(project, modules).build()
