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
    Constant,
    ContextManagerFunction,
    DependsMarker,
    External,
    FunctionRef,
    Instance,
    ModuleRef,
    Value,
    options_of,
)
from asynclint.facts import MODULE_SCOPE, Expr, FunctionFacts, tail_name
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
    # Async wrappers of the handler made by project decorators (FastAPI runs the wrapper).
    wrappers: list[FunctionId] = field(default_factory=list)

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
        # Only modules that import FastAPI/Starlette, or a project module that does (where a
        # router subclass may live), can create apps, routers or registrations.
        modules = list(modules)
        web = {
            module
            for module in modules
            if (facts := project.facts.get(module)) is not None
            and uses_web_framework(facts.imported)
        }
        index = project.index
        self.modules = sorted(
            module
            for module in modules
            if module in web
            or any(
                (split := index.split(index.absolute(name, module), index.by_name.get(module)))
                is not None
                and split[0] in web
                for name in project.facts[module].imported
            )
        )
        self.model = FastAPIModel()
        self.prefixes: dict[tuple[str, str], str] = {}  # router identity -> own prefix
        # Router -> its `dependencies=[...]` items, with the module they are written in.
        self.router_deps: dict[tuple[str, str], list[tuple[Expr, str]]] = {}
        self.includes: list[
            tuple[tuple[str, str], tuple[str, str], str]
        ] = []  # parent, child, prefix
        # Routes as registered (path without router prefixes), with the router they belong to.
        self.registered: list[tuple[Route, tuple[str, str] | None]] = []
        self.starlette_seen: set[tuple[str, str, str]] = set()
        # What runs for routes (dependencies, wrappers, tasks...): its role and their labels.
        self.uses: dict[FunctionId, tuple[str, list[str]]] = {}

    # Identity of an app/router object: the module-level binding that created it, or for an
    # object made in a function (``app = FastAPI()`` in ``create_app()``) its construction there.
    def identity(
        self, expr: Expr, module: str, depth: int = 0, scope: str = ""
    ) -> tuple[str, str] | None:
        if depth > 8:
            return None
        if expr[0] == "call" and scope:
            return (module, f"{scope}:{hash(expr)}")
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
        """ "app" or "router" for an instance of FastAPI/Starlette or a router, or of a project
        subclass of one (``class UserAPIRouter(APIRouter)``)."""
        if isinstance(value, CatalogInstance):
            if value.type in _APP_TYPES:
                return "app"
            if value.type in _ROUTER_TYPES:
                return "router"
        if isinstance(value, Instance):
            bases = set(self.project.hierarchy.external_bases(value.cls))
            if bases & set(_APP_TYPES):
                return "app"
            if bases & set(_ROUTER_TYPES):
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
                    value = project.evaluate(bound, module)
                    kind = self.kind_of(value)
                    if kind:
                        self._register_object(module, name, bound[2], value, kind)
            for function in list(facts.functions.values()):
                scope = function.qualname
                for call in function.calls:
                    if scope != MODULE_SCOPE and call.callee[0] != "attr":
                        # Only expressions of the facts are evaluated: values are remembered
                        # by the identity of the expression.
                        callee = project.evaluate(call.callee, module)
                        value = project.resolver.call_result(callee, call.args, module)
                        kind = self.kind_of(value)
                        if kind:
                            local = f"{scope}:{hash(('call', call.callee, call.args))}"
                            self._register_object(module, local, call.args, value, kind)
                    self._registration_call(call.callee, call.args, module, scope)
                    self._route_object(call.callee, call.args, module, "")
                    self._registered_by_call(call.callee, call.args, module, scope)
        for module in self.modules:
            facts = project.module_facts(module)
            if facts is None:
                continue
            for function in facts.functions.values():
                for decorator in function.decorators:
                    self._decorator(decorator, function, module)
        self._finish_routes()
        return self.model

    def _register_object(self, module: str, name: str, args: tuple, made: Value, kind: str) -> None:
        prefix = ""
        for keyword, value, where in self._construction_keywords(args, made, module):
            if keyword == "prefix":
                prefix = self.text(value, where)
            elif keyword == "dependencies" and value[0] == "list":
                self.router_deps.setdefault((module, name), []).extend(
                    (item, where) for item in value[1]
                )
            elif keyword in ("on_startup", "on_shutdown") and value[0] == "list":
                for handler in value[1]:
                    self._startup(self.project.evaluate(handler, module), keyword[3:])
            elif keyword == "lifespan":
                self._context(self.project.evaluate(value, module), "lifespan")
        self.prefixes[(module, name)] = prefix

    def _construction_keywords(
        self, args: tuple, value: Value, module: str
    ) -> list[tuple[str, Expr, str]]:
        """The keywords an app or router is built with, with the module they are written in:
        those of the call, then those a project subclass passes up in its ``__init__``
        (``super().__init__(dependencies=[Depends(get_current_user)], **kwargs)``)."""
        found = [(keyword, item, module) for keyword, item in args if keyword]
        if not isinstance(value, Instance):
            return found
        hierarchy = self.project.hierarchy
        for owner in hierarchy.mro(value.cls):
            facts = hierarchy.class_facts(owner)
            init = facts.methods.get("__init__") if facts is not None else None
            function = self.project.function((owner.module, init)) if init else None
            if function is None:
                continue
            for call in function.calls:
                callee = call.callee
                if callee[0] == "attr" and callee[2] == "__init__" and callee[1][0] == "super":
                    given = {keyword for keyword, _, _ in found}
                    found += [
                        (keyword, item, owner.module)
                        for keyword, item in call.args
                        if keyword and keyword not in given and item[0] != "param"
                    ]
        return found

    def text(self, expr: Expr, module: str) -> str:
        """The text of a path or prefix: literal, a module constant, a settings attribute, an
        f-string or a concatenation of those; what is not static shows as ``{NAME}``."""
        if expr[0] == "lit" and isinstance(expr[1], str):
            return expr[1]
        value = self.project.evaluate(expr, module)
        if isinstance(value, Constant) and isinstance(value.value, str):
            return value.value
        if expr[0] == "fstr":
            return "".join(self.text(part, module) for part in expr[1])
        if expr[0] == "add":
            return self.text(expr[1], module) + self.text(expr[2], module)
        if expr[0] == "ann" and expr[2] is not None:
            return self.text(expr[2], module)
        name = expr[3] if expr[0] == "param" else tail_name(expr)
        return "{" + (name or "?") + "}"

    def _registration_call(self, callee: Expr, args: tuple, module: str, scope: str = "") -> None:
        if callee[0] != "attr" or callee[2] not in REGISTRATION_METHODS:
            return
        method = callee[2]
        receiver = self.project.evaluate(callee[1], module)
        if not self.kind_of(receiver):
            return
        positional = [value for keyword, value in args if keyword is None]
        keywords = {keyword: value for keyword, value in args if keyword}
        if method == "include_router" and positional:
            parent = self.identity(callee[1], module, scope=scope)
            child = self.identity(positional[0], module, scope=scope)
            prefix = keywords.get("prefix", ("lit", ""))
            if parent and child:
                self.includes.append((parent, child, self.text(prefix, module)))
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
                target,
                path,
                methods,
                websocket,
                self.identity(callee[1], module, scope=scope),
                keywords,
                module,
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
        if decorator[0] != "call":
            return
        target: Value = FunctionRef(module, function.qualname)
        self._registered(decorator[1], decorator[2], target, module, function.parent or "")

    def _registered_by_call(self, callee: Expr, args: tuple, module: str, scope: str) -> None:
        """``router.post("/items")(create_item)``: a decorator applied by a call."""
        if callee[0] != "call" or len(args) != 1 or args[0][0] is not None:
            return
        target = self.project.evaluate(args[0][1], module)
        self._registered(callee[1], callee[2], target, module, scope)

    def _registered(
        self, registration: Expr, args: tuple, target: Value, module: str, scope: str
    ) -> None:
        """``app.get(path, ...)`` (and the other registering methods) applied to ``target``."""
        if registration[0] != "attr":
            return
        receiver_expr, method = registration[1], registration[2]
        receiver = self.project.evaluate(receiver_expr, module)
        if not self.kind_of(receiver):
            return
        positional = [value for keyword, value in args if keyword is None]
        keywords = {keyword: value for keyword, value in args if keyword}
        path = keywords.get("path", positional[0] if positional else ("lit", ""))
        owner = self.identity(receiver_expr, module, scope=scope)
        if method in HTTP_METHODS:
            self._add_route(target, path, (method.upper(),), False, owner, keywords, module)
        elif method in ("api_route", "route"):
            methods = self._methods(keywords.get("methods"), "GET")
            self._add_route(target, path, methods, False, owner, keywords, module)
        elif method in ("websocket", "websocket_route"):
            self._add_route(target, path, ("WEBSOCKET",), True, owner, keywords, module)
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
        route = Route(methods, self.text(path, module), handler, websocket)
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
                    for item, where in self.router_deps.get(chain_owner, []):
                        fid = self._depends_target(item, where)
                        if fid:
                            dependencies.append(fid)
            for prefix in self._full_prefixes(owner):
                routes.append(
                    Route(
                        route.methods,
                        (prefix + route.path) or "/",
                        route.handler,
                        route.websocket,
                        list(dependencies),
                    )
                )
        routes.sort(key=lambda r: (r.path, r.methods))
        for route in routes:
            self._collect(route)
        for fid, (role, labels) in self.uses.items():
            self.model.contexts.setdefault(fid, _used_by(role, labels))
        self.model.routes = routes

    def _used(self, fid: FunctionId, role: str, route: Route) -> None:
        """``fid`` runs for ``route`` as ``role`` (``dependency get_user``)."""
        labels = self.uses.setdefault(fid, (role, []))[1]
        if route.label not in labels:
            labels.append(route.label)

    def _wrappers(self, handler: FunctionId) -> list[FunctionId]:
        """The async wrappers project decorators put around a handler (``@login_required``,
        ``@audited("x")``): FastAPI registers the wrapper, which awaits the handler."""
        project = self.project
        function = project.function(handler)
        if function is None:
            return []
        found = []
        for decorator in function.decorators:
            value = project.evaluate(decorator, handler[0])
            for option in options_of(value):
                wrapper = self._wrapper_made_by(option)
                if wrapper is not None and wrapper not in found:
                    found.append(wrapper)
        return found

    def _wrapper_made_by(self, decorator: Value) -> FunctionId | None:
        if not isinstance(decorator, FunctionRef):
            return None
        function = self.project.function((decorator.module, decorator.qualname))
        if function is None or function.is_async or function.returned is None:
            return None
        returned = self.project.evaluate(function.returned, decorator.module)
        if not isinstance(returned, FunctionRef) or returned == decorator:
            return None
        wrapper = self.project.function((returned.module, returned.qualname))
        if wrapper is None or not wrapper.is_async:
            return None
        return (returned.module, returned.qualname)

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
        role = f"{runs} websocket" if route.websocket else f"{runs} route"
        self._used(route.handler, role, route)
        for wrapper in self._wrappers(route.handler):
            if wrapper not in route.wrappers:
                route.wrappers.append(wrapper)
            self._used(wrapper, f"wrapper of @{wrapper[1].split('.', 1)[0]}", route)
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
                self._used(fid, f"dependency {function.name}", route)
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
                        self._used(fid, f"validator {qualname}", route)

    def _scan_call(self, callee: Expr, args: tuple, owner: FunctionId, route: Route) -> None:
        project = self.project
        module = owner[0]
        if callee[0] == "attr" and callee[2] == "add_task" and args:
            task = self._function_id(project.evaluate(args[0][1], module))
            if task and task not in route.background_tasks:
                route.background_tasks.append(task)
                function = project.function(task)
                if function is not None:
                    self._used(task, f"background task {function.name}", route)
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
                    self._used(fid, f"streaming generator {function.name}", route)


# At most this many routes are named in a message; the rest are counted.
_NAMED_ROUTES = 3


def _used_by(role: str, labels: list[str]) -> str:
    """Where a function runs, for messages: ``async route GET /a``, ``dependency get_user of
    GET /a``, ``dependency get_user, used by 25 routes: GET /a, POST /b, GET /c, … (+22)``."""
    if role.endswith(("route", "websocket")):
        if len(labels) == 1:
            label = labels[0].replace("WEBSOCKET ", "") if role.endswith("websocket") else labels[0]
            return f"{role} {label}"
        role = f"{role} handler"
    if len(labels) == 1:
        return f"{role} of {labels[0]}"
    named = ", ".join(labels[:_NAMED_ROUTES])
    rest = len(labels) - _NAMED_ROUTES
    more = f", … (+{rest})" if rest > 0 else ""
    return f"{role}, used by {len(labels)} routes: {named}{more}"


def build_model(project: Program, modules: Iterable[str]) -> FastAPIModel:
    return _Builder(project, modules).build()
