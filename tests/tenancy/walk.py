"""Data-driven walk of every URL pattern of the project (pages, API, admin).

Guarantees:

* `iter_routes()` yields one `Route` per `URLPattern` reachable from the root resolver (includes,
  DRF routers and the admin site are followed recursively), with its full route string, namespaced
  name, keyword-argument names, view callable/class, viewset action map and HTTP methods;
* `Route.build(values)` turns a route and a kwarg -> value map into a path and proves, by
  resolving it back, that the path reaches that very view;
* `classify(route)` derives what authorization the view itself declares (`permission_action` /
  `get_permission_action()` on `WorkspaceMixin` pages, `permission_actions[action]` on
  `WorkspaceViewSet`s, `min_org_role` on organization views) — the test expectations are computed
  from that, never from a hand list of URLs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from rest_framework.views import APIView

from workspaces.tenancy import OrganizationMixin, WorkspaceMixin, WorkspaceViewSet

UNSAFE = ("post", "put", "patch", "delete")
# Sent to every route besides its own methods. Authorized exactly as the route's GET (or, on a
# route without GET, as its first method): same login redirect / 401, 404 outside the tenant and
# 403 below the role. When allowed, HEAD answers as GET does and OPTIONS as the framework does:
# DRF describes the route (200); a Django page answers 200 with `Allow` or 405 (both "allowed").
PROBES = ("head", "options")
_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


# --------------------------------------------------------------------------- enumeration
@dataclass(frozen=True)
class Level:
    """One pattern on the way from the root resolver to a view (its pattern object)."""

    pattern: object  # RoutePattern | RegexPattern | LocalePrefixPattern

    @property
    def text(self) -> str:
        return str(self.pattern)

    @property
    def kwarg_names(self) -> tuple[str, ...]:
        regex = getattr(self.pattern, "regex", None)
        if regex is None:
            return ()
        return tuple(regex.groupindex)

    def build(self, values: dict) -> str:
        converters = getattr(self.pattern, "converters", None)
        if converters is not None and hasattr(self.pattern, "_route"):  # path()

            def param(match):
                name = match["name"]
                return str(converters[name].to_url(values[name]) if name in converters else values[name])

            return _ROUTE_PARAM.sub(param, self.pattern._route)
        return _regex_to_path(self.text, values)


def _regex_to_path(regex: str, values: dict) -> str:
    """Fills a re_path regex's named groups; good for the simple regexes routers and admin use."""
    out, i = [], 0
    while i < len(regex):
        if regex.startswith("(?P<", i):
            end_name = regex.index(">", i)
            name = regex[i + 4 : end_name]
            depth, j = 1, end_name + 1
            while depth:
                if regex[j] == "\\":
                    j += 2
                    continue
                depth += {"(": 1, ")": -1}.get(regex[j], 0)
                j += 1
            out.append(str(values[name]))
            i = j
        elif regex[i] == "\\" and i + 1 < len(regex):
            out.append(regex[i + 1])
            i += 2
        elif regex[i] in "^$":
            i += 1
        elif regex[i] == "?" and out:
            i += 1  # "x?" -> keep x
        else:
            out.append(regex[i])
            i += 1
    return "".join(out)


@dataclass(frozen=True)
class Route:
    levels: tuple[Level, ...]
    name: str | None
    callback: object = field(compare=False)

    def __str__(self) -> str:
        return f"{self.route}" + (f" [{self.name}]" if self.name else "")

    @property
    def route(self) -> str:
        return "".join(level.text for level in self.levels)

    @property
    def kwarg_names(self) -> tuple[str, ...]:
        names: list[str] = []
        for level in self.levels:
            names.extend(n for n in level.kwarg_names if n not in names)
        return tuple(names)

    @property
    def view_class(self):
        return getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)

    @property
    def actions(self) -> dict[str, str] | None:
        """HTTP method -> viewset action, for DRF ViewSet routes."""
        return getattr(self.callback, "actions", None)

    @property
    def model_admin(self):
        return getattr(self.callback, "model_admin", None)

    @property
    def is_api(self) -> bool:
        return bool(self.view_class and issubclass(self.view_class, APIView))

    @property
    def model(self):
        """The model a generic `pk`/`id`/`object_id` kwarg refers to, from the view's declaration."""
        if self.model_admin is not None:
            return self.model_admin.model
        cls = self.view_class
        if cls is None:
            return None
        model = getattr(cls, "model", None)
        if model is None and getattr(cls, "queryset", None) is not None:
            model = cls.queryset.model
        return model

    @cached_property
    def methods(self) -> tuple[str, ...]:
        """Lowercase HTTP methods the view answers (OPTIONS/HEAD left out)."""
        if self.actions is not None:
            return tuple(m for m in self.actions if m not in ("options", "head"))
        cls = self.view_class
        if cls is None:
            return ("get",)
        methods = []
        for method in cls.http_method_names:
            if method in ("options", "head", "trace") or not hasattr(cls, method):
                continue
            owner = next(klass for klass in cls.__mro__ if method in vars(klass))
            # Django's ProcessFormView.put only forwards to post(): not a separate entry point.
            if method in ("get", "post") or not owner.__module__.startswith("django."):
                methods.append(method)
        return tuple(methods)

    @property
    def walk_methods(self) -> tuple[str, ...]:
        """The route's own methods, then the probes (HEAD, OPTIONS)."""
        return (*self.methods, *PROBES)

    def authorizing_method(self, method: str) -> str:
        """The method whose declared authorization applies to `method` (see PROBES)."""
        if method not in PROBES:
            return method
        return "get" if "get" in self.methods else (self.methods[0] if self.methods else "get")

    def build(self, values: dict) -> str:
        return "/" + "".join(level.build(values) for level in self.levels)

    def reaches(self, path: str) -> bool:
        try:
            match = resolve(path)
        except Exception:
            return False
        return match.func is self.callback or getattr(match.func, "__wrapped__", None) is self.callback


def iter_routes(resolver: URLResolver | None = None, levels: tuple[Level, ...] = (), namespace: str = ""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        here = (*levels, Level(entry.pattern))
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from iter_routes(entry, here, inner)
        elif isinstance(entry, URLPattern):
            yield Route(here, f"{namespace}{entry.name}" if entry.name else None, entry.callback)


def all_routes() -> list[Route]:
    return list(iter_routes())


# --------------------------------------------------------------------------- classification
@dataclass(frozen=True)
class Scope:
    """What a route's view declares about authorization."""

    kind: str  # "workspace" | "organization"
    action: str | None = None  # workspace permission action for the method
    min_org_role: str | None = None


ORG_RANK = OrganizationMixin._ORG_RANK


def scope_of(route: Route, method: str, kwargs: dict) -> Scope | None:
    """The authorization the view declares for `method`, or None when it declares none."""
    cls = route.view_class
    if cls is None:
        return None
    if issubclass(cls, WorkspaceViewSet):
        action = (route.actions or {}).get(method)
        if action is None:
            return None
        try:
            return Scope("workspace", action=cls.permission_actions[action])
        except KeyError:
            return None
    if issubclass(cls, WorkspaceMixin) or hasattr(cls, "permission_action"):
        return Scope("workspace", action=_page_permission_action(cls, route, method, kwargs))
    if issubclass(cls, OrganizationMixin) or hasattr(cls, "min_org_role"):
        return Scope("organization", min_org_role=cls.min_org_role)
    return None


def _page_permission_action(cls, route: Route, method: str, kwargs: dict) -> str:
    """Asks the view itself (get_permission_action may depend on the request method)."""
    view = cls(**getattr(route.callback, "view_initkwargs", {}))
    view.request = getattr(RequestFactory(), method)(route.build(kwargs))
    view.args, view.kwargs = (), kwargs
    return view.get_permission_action() if hasattr(view, "get_permission_action") else view.permission_action
