"""Find every page, endpoint and parameter of ARTops from the code itself, for the hostile-input test.

Nothing here lists a parameter by hand. The sources:

- **URL patterns**: ``get_resolver().url_patterns`` walked recursively gives every route, its name
  and its URL kwargs (with their converters).
- **Page views** (function views of the project): the view function is read with ``ast``, and so
  is every project function or method it calls, transitively. From that code come
  - the methods it allows (``@require_GET``, ``@require_POST``, ``@require_http_methods([...])``);
  - the keys it reads from the request: ``<x>.get("key")`` / ``<x>.getlist("key")`` /
    ``<x>["key"]`` / ``"key" in <x>`` where ``<x>`` is ``request.GET``, ``request.POST``,
    ``request.data``, ``request.query_params`` or a variable named ``query``, ``data`` or ``params``;
  - the forms (``forms.Form`` subclasses) and FilterSets it names: their declared fields / filters.
- **Class-based views** (Django's auth views): their ``form_class`` / ``authentication_form``.
- **API views** (DRF viewsets): the operation's parameters and request body from the OpenAPI schema
  that drf-spectacular generates, the viewset's ``filterset_class`` filters, and the keys read by
  the action's code (found as for page views).

The Django admin is left out: it is Django's own code, staff-only, and not part of ARTops' pages. So are
the DRF views outside the schema (``api-root``, ``api-schema``, ``api-docs``): they take no parameter of ARTops.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from types import FunctionType, ModuleType

import django_filters
from django import forms
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

PROJECT_PACKAGES = ("artops", "planning", "risks", "sync", "metrics")
SKIPPED_PREFIXES = ("admin/",)
ALL_METHODS = ("GET", "POST")
REQUEST_DATA = re.compile(r"(\bGET|\bPOST|\bFILES|query_params|\bdata|\bquery|\bparams)$")
QUERY_SIDE = re.compile(r"(GET|query_params|query|params)$")
BODY_SIDE = re.compile(r"(POST|FILES)$")


@dataclass(frozen=True)
class Param:
    """One input of an endpoint: where it goes (``query`` or ``body``), what kind, and where it was found."""

    name: str
    where: str
    kind: str = "number"  # "text": free text, where "²" or "-1" are fair values; "number", "file"
    source: str = ""


@dataclass
class Endpoint:
    """One URL pattern: its name, its route text, its URL kwargs, the methods it allows and its inputs."""

    name: str
    route: str
    kwargs: dict[str, str]  # kwarg name -> converter ("int", "str", "slug", "regex")
    methods: tuple[str, ...]
    params: list[Param] = field(default_factory=list)
    callback: Callable | None = None
    is_api: bool = False


# --- walking the URL patterns ------------------------------------------------------------------


def _converter_names(pattern) -> dict[str, str]:
    if isinstance(pattern, RoutePattern):
        converters = pattern.converters.items()
        return {name: type(conv).__name__.removesuffix("Converter").lower() for name, conv in converters}
    if isinstance(pattern, RegexPattern):
        return dict.fromkeys(pattern.regex.groupindex, "regex")
    return {}


def walk_patterns(
    patterns=None, prefix: str = "", kwargs: dict | None = None
) -> Iterator[tuple[str, URLPattern, dict]]:
    """Every URLPattern under ``patterns``, with its whole route text and the converters of all its kwargs."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    kwargs = kwargs or {}
    for entry in patterns:
        route = prefix + str(entry.pattern)
        found = {**kwargs, **_converter_names(entry.pattern)}
        if isinstance(entry, URLResolver):
            yield from walk_patterns(entry.url_patterns, route, found)
        else:
            yield route, entry, found


# --- reading view code ---------------------------------------------------------------------------


def _is_project(obj) -> bool:
    module = getattr(obj, "__module__", "") or ""
    return module.split(".")[0] in PROJECT_PACKAGES


@cache
def _function_ast(function: FunctionType) -> ast.FunctionDef | None:
    try:
        source = textwrap.dedent(inspect.getsource(function))
    except (OSError, TypeError):
        return None
    tree = ast.parse(source)
    node = tree.body[0]
    return node if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else None


def _methods_of(node: ast.FunctionDef) -> tuple[str, ...] | None:
    for decorator in node.decorator_list:
        text = ast.unparse(decorator)
        if text.endswith(("require_GET", "require_safe")):
            return ("GET",)
        if text.endswith("require_POST"):
            return ("POST",)
        if isinstance(decorator, ast.Call) and ast.unparse(decorator.func).endswith("require_http_methods"):
            return tuple(m for m in ast.literal_eval(decorator.args[0]) if m in ALL_METHODS)
    return None


def _side(receiver: str) -> tuple[str, ...]:
    if BODY_SIDE.search(receiver):
        return ("body",)
    if QUERY_SIDE.search(receiver):
        return ("query",)
    return ("query", "body")


@dataclass
class CodeFindings:
    keys: dict[str, set[str]] = field(default_factory=dict)  # key -> {"query", "body"}
    forms: set[type] = field(default_factory=set)
    filtersets: set[type] = field(default_factory=set)
    methods: tuple[str, ...] | None = None

    def add_key(self, key: str, sides: tuple[str, ...]) -> None:
        self.keys.setdefault(key, set()).update(sides)


def _resolve(node: ast.expr, namespace: dict, owner: type | None):
    """The object a name or ``module.attr`` / ``self.attr`` / ``cls.attr`` expression refers to, if any."""
    if isinstance(node, ast.Name):
        return namespace.get(node.id)
    if isinstance(node, ast.Attribute):
        if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls") and owner is not None:
            return inspect.getattr_static(owner, node.attr, None)
        base = _resolve(node.value, namespace, owner)
        if isinstance(base, ModuleType | type):
            return getattr(base, node.attr, None)
    return None


def read_code(function: Callable, owner: type | None = None, findings: CodeFindings | None = None, seen=None):
    """What ``function`` (and every project function it names, transitively) reads from a request."""
    findings = findings or CodeFindings()
    seen = set() if seen is None else seen
    function = inspect.unwrap(function)
    if isinstance(function, staticmethod | classmethod):
        function = function.__func__
    if not isinstance(function, FunctionType) or function in seen:
        return findings
    seen.add(function)
    node = _function_ast(function)
    if node is None:
        return findings
    namespace = {**function.__globals__, **inspect.getclosurevars(function).nonlocals}
    for child in ast.walk(node):
        if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute):
            receiver = ast.unparse(child.func.value)
            if (
                child.func.attr in ("get", "getlist")
                and child.args
                and isinstance(child.args[0], ast.Constant)
                and isinstance(child.args[0].value, str)
                and REQUEST_DATA.search(receiver)
            ):
                findings.add_key(child.args[0].value, _side(receiver))
        elif isinstance(child, ast.Subscript) and isinstance(child.slice, ast.Constant):
            receiver = ast.unparse(child.value)
            if isinstance(child.slice.value, str) and REQUEST_DATA.search(receiver):
                findings.add_key(child.slice.value, _side(receiver))
        elif isinstance(child, ast.Compare) and isinstance(child.ops[0], ast.In):
            receiver = ast.unparse(child.comparators[0])
            literal = isinstance(child.left, ast.Constant) and isinstance(child.left.value, str)
            if literal and REQUEST_DATA.search(receiver):
                findings.add_key(child.left.value, _side(receiver))
        if isinstance(child, ast.Name | ast.Attribute):
            target = _resolve(child, namespace, owner)
            if isinstance(target, type) and issubclass(target, forms.BaseForm):
                findings.forms.add(target)
            elif isinstance(target, type) and issubclass(target, django_filters.FilterSet):
                findings.filtersets.add(target)
            elif _is_project(target) and callable(target) and not isinstance(target, type):
                read_code(target, owner if _in_class(target, owner) else None, findings, seen)
    return findings


def _in_class(function, owner: type | None) -> bool:
    return owner is not None and any(function in vars(klass).values() for klass in owner.__mro__)


# --- inputs of forms, filters and the OpenAPI schema --------------------------------------------


def form_params(form_class: type, where: str) -> list[Param]:
    params = []
    for name, form_field in form_class.base_fields.items():
        if isinstance(form_field, forms.FileField):
            kind = "file"
        elif type(form_field) is forms.CharField or isinstance(form_field.widget, forms.Textarea):
            kind = "text"
        else:
            kind = "number" if isinstance(form_field, forms.IntegerField | forms.ModelChoiceField) else "other"
        params.append(Param(name, where, kind, f"form {form_class.__name__}"))
    return params


def filter_params(filterset_class: type) -> list[Param]:
    return [
        Param(name, "query", "other", f"filter {filterset_class.__name__}")
        for name in filterset_class.base_filters  # declared filters and those of Meta.fields
    ]


def schema_params(operation: dict, components: dict) -> list[Param]:
    """The query parameters and JSON body properties of one OpenAPI operation."""
    params = [
        Param(p["name"], "query", _schema_kind(p.get("schema", {})), "schema")
        for p in operation.get("parameters", [])
        if p["in"] == "query"
    ]
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body:
        if "$ref" in body:
            body = components[body["$ref"].rsplit("/", 1)[1]]
        for name, prop in body.get("properties", {}).items():
            if not prop.get("readOnly"):
                params.append(Param(name, "body", _schema_kind(prop), "schema body"))
    return params


def _schema_kind(schema: dict) -> str:
    if schema.get("type") == "string" and not schema.get("format") and "enum" not in schema and "$ref" not in schema:
        return "text"
    return "number" if schema.get("type") in ("integer", "number") else "other"


def merge(params: list[Param]) -> list[Param]:
    """One Param per (name, where); the first source wins, a "text" kind is kept if any source says text."""
    merged: dict[tuple[str, str], Param] = {}
    for param in params:
        key = (param.name, param.where)
        if key not in merged:
            merged[key] = param
        elif param.kind == "text" and merged[key].kind != "text":
            merged[key] = Param(param.name, param.where, "text", merged[key].source)
    return list(merged.values())


# --- putting it together -------------------------------------------------------------------------


def _page_endpoint(name: str, route: str, kwargs: dict, callback) -> Endpoint:
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:  # a class-based view (Django's auth views)
        initkwargs = getattr(callback, "view_initkwargs", {})
        form_class = (
            initkwargs.get("authentication_form")
            or initkwargs.get("form_class")
            or getattr(view_class, "authentication_form", None)
            or getattr(view_class, "form_class", None)
        )
        methods = tuple(m.upper() for m in view_class.http_method_names if m.upper() in ALL_METHODS)
        methods = tuple(m for m in methods if hasattr(view_class, m.lower()))
        params = form_params(form_class, "body") if form_class else []
        # Django's auth views all honour ``next`` (their redirect field), from the query string or the form.
        params += [Param("next", where, "text", "view's redirect field") for where in ("query", "body")]
        return Endpoint(name, route, kwargs, methods, merge(params), callback)
    findings = read_code(callback)
    node = _function_ast(inspect.unwrap(callback))
    methods = (_methods_of(node) if node else None) or ALL_METHODS
    params: list[Param] = []
    for key, sides in sorted(findings.keys.items()):
        params += [Param(key, side, "number", "read in view") for side in sorted(sides)]
    for form_class in sorted(findings.forms, key=lambda f: f.__name__):
        for side in ("body",) if "POST" in methods else ("query",):
            params += form_params(form_class, side)
    for filterset_class in sorted(findings.filtersets, key=lambda f: f.__name__):
        params += filter_params(filterset_class)
    return Endpoint(name, route, kwargs, methods, merge(params), callback)


def discover(schema: dict) -> list[Endpoint]:
    """Every page and API operation of the URL conf, with its inputs (see the module's docstring)."""
    endpoints = []
    api_operations = _api_operations(schema)
    components = schema.get("components", {}).get("schemas", {})
    for route, pattern, kwargs in walk_patterns():
        if route.startswith(SKIPPED_PREFIXES) or "format" in kwargs:
            continue
        callback = pattern.callback
        if hasattr(callback, "cls"):  # a DRF view
            endpoints += _api_endpoints(pattern.name, route, kwargs, callback, api_operations, components)
        else:
            endpoints.append(_page_endpoint(pattern.name, route, kwargs, callback))
    return endpoints


def _api_operations(schema: dict) -> dict[str, dict]:
    return {path.strip("/"): operations for path, operations in schema["paths"].items()}


def openapi_path(route: str) -> str:
    """``^api/ ^teams/(?P<pk>[^/.]+)/$`` → ``api/teams/{id}``: how drf-spectacular names the same path."""
    path = route.replace("^", "").replace("$", "").replace(" ", "")
    path = re.sub(r"\(\?P<pk>[^)]*\)", "{id}", path)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", path)
    return path.strip("/")


def _api_endpoints(
    name: str, route: str, kwargs: dict, callback, api_operations: dict, components: dict
) -> list[Endpoint]:
    operations = api_operations.get(openapi_path(route), {})
    view_class = callback.cls
    actions = getattr(callback, "actions", None) or {}
    endpoints = []
    for method, action in actions.items() or [("get", None)]:
        operation = operations.get(method)
        if operation is None:
            continue
        params = schema_params(operation, components)
        filterset_class = getattr(view_class, "filterset_class", None)
        if filterset_class is not None and method == "get" and action == "list":
            params += filter_params(filterset_class)
        handler = getattr(view_class, action, None) if action else None
        if handler is not None and _is_project(handler):
            findings = read_code(handler, owner=view_class)
            for key, sides in sorted(findings.keys.items()):
                where = "query" if method in ("get", "delete") else None
                params += [Param(key, where or side, "number", "read in view") for side in sorted(sides)]
        endpoint = Endpoint(name, route, kwargs, (method.upper(),), merge(params), callback, is_api=True)
        endpoints.append(endpoint)
    return endpoints
