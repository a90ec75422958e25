"""Hostile values in every parameter of every page and endpoint: a 4xx or the page's answer, never a 500.

What is sent where is discovered, not listed (see ``tests/hardening/discovery.py``): the URL
patterns give the pages and endpoints and their URL kwargs; the view code (read with ``ast``), the
forms and FilterSets it names, and the OpenAPI schema give every query parameter, form field and
JSON property. The demo train gives real ids for the URL kwargs.

Each value goes alone into one parameter, as the RTE (who may do the most). Every request runs
in a savepoint that is rolled back afterwards, so each one meets the same seeded train, and:

- it never answers 5xx (the test client keeps the exception: its type is reported);
- an answer of 4xx changed nothing (row counts of every table of the apps are compared);
- no 100,000-character value was stored, whatever the answer.

A parameter that the endpoint ignores may let it do its job (removing a membership answers 302
with or without ``?team=²``): that is allowed, and rolled back like everything else.

Set ``HARDENING_REPORT_DIR=folder`` to write every finding to a file as well.
"""

from __future__ import annotations

import json
import logging
import os
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from artops.onboarding import roster
from artops.parsing import BIGINT_MAX, shown
from planning import imports
from tests.hardening import seeded
from tests.hardening.discovery import Endpoint, Param, discover

# "²" stands for the characters str.isdigit() accepts and int() refuses (², ①, …): one of them is enough.
HOSTILE = {
    "²": "²",
    "5,000 digits": "9" * 5000,
    "-1": "-1",
    "NUL": "\x00",
    "empty": "",
    "100,000 characters": "x" * 100_000,
}
LONG = "100,000 characters"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# JSON can carry numbers as numbers: these go into the API's numeric body properties too.
HOSTILE_JSON_NUMBERS = {"2**63 (JSON number)": BIGINT_MAX + 1, "-1 (JSON number)": -1}
# In a URL segment: in place of an id, a slug or a feature key.
HOSTILE_SEGMENTS = {
    "²": "²",
    "5,000 digits": "9" * 5000,
    "2**63": str(BIGINT_MAX + 1),
    "-1": "-1",
    "NUL": "\x00",
    "NUL inside": "F\x00-1",
}


@dataclass(frozen=True)
class Finding:
    route_name: str
    route: str
    method: str
    where: str  # "query", "body", "json", "csv cell", "url"
    param: str
    value: str
    status: int
    problem: str  # the exception's type for a 500, else what was stored


class Prober:
    """Sends one request at a time inside a rolled-back savepoint, and keeps what went wrong."""

    def __init__(self, client: Client, session_cookie: str, tables: list[str]):
        self.client = client
        self.session_cookie = session_cookie
        self.tables = tables
        self.counts = seeded.row_counts(tables)
        self.written = seeded.rows_written()
        self.findings: list[Finding] = []
        self.requests = 0

    def send(self, endpoint: Endpoint, method: str, path: str, *, where: str, param: str, label: str, **request):
        self.requests += 1
        with transaction.atomic():
            response = self.client.generic(method, path, **request)
            problem = ""
            if response.status_code >= 500:
                exc_info = getattr(response, "exc_info", None)
                problem = exc_info[0].__name__ if exc_info else f"status {response.status_code}"
            else:
                # Did the request insert or delete rows at all? Only then is every table counted.
                written = seeded.rows_written()
                wrote, self.written = written != self.written, written
                if response.status_code >= 400 and wrote and seeded.row_counts(self.tables) != self.counts:
                    problem = "refused, yet rows were added or removed"
                # Scanning every table is the costly check: only a request that may write needs it.
                if label == LONG and method not in SAFE_METHODS and seeded.longest_row(self.tables) >= 100_000:
                    problem = "stored the 100,000 characters"
            transaction.set_rollback(True)
        # A logout (or a password change) must not end the RTE's session for the next requests.
        self.client.cookies["sessionid"] = self.session_cookie
        if problem:
            self.findings.append(
                Finding(endpoint.name, endpoint.route, method, where, param, label, response.status_code, problem)
            )


def query_request(values: dict) -> dict:
    return {"QUERY_STRING": urlencode(values, doseq=True)}


def form_request(values: dict) -> dict:
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    return {"data": encode_multipart(BOUNDARY, values), "content_type": MULTIPART_CONTENT}


def json_request(values: dict) -> dict:
    return {"data": json.dumps(values), "content_type": "application/json"}


def import_columns(endpoint: Endpoint) -> tuple[tuple[str, ...], dict[str, str]]:
    """The columns of the file an endpoint imports, and the cells a row needs besides the probed one."""
    if "roster" in endpoint.name:  # artops.onboarding.roster: people invited from a CSV roster
        return roster.COLUMNS, {"email": "probe@payments.example", "name": "Probe", "role": "Business Owner"}
    return imports.COLUMN_NAMES, {"title": "Hostile probe"}


def csv_with(column: str, value: str, endpoint: Endpoint | None = None) -> str:
    """An import file with every importable column (``planning.imports.COLUMNS``, or the roster's) and the
    value in one cell."""
    names, needed = (
        import_columns(endpoint) if endpoint is not None else (imports.COLUMN_NAMES, {"title": "Hostile probe"})
    )
    row = dict.fromkeys(names, "") | needed | {column: value}
    quoted = ['"' + row[name].replace('"', '""') + '"' for name in names]
    return ",".join(names) + "\n" + ",".join(quoted) + "\n"


def reading_methods(endpoint: Endpoint) -> list[str]:
    """GET when the endpoint allows it (a query string reads the same whatever the method), else every method."""
    return ["GET"] if "GET" in endpoint.methods else list(endpoint.methods)


def probe_param(prober: Prober, endpoint: Endpoint, path: str, param: Param) -> None:
    if param.where == "query":
        methods = reading_methods(endpoint)
    else:
        methods = [m for m in endpoint.methods if m not in ("GET", "DELETE")]
    for method in methods:
        if param.kind == "file":
            for column in import_columns(endpoint)[0]:
                for label, value in HOSTILE.items():
                    text = csv_with(column, value, endpoint)
                    upload = SimpleUploadedFile("probe.csv", text.encode("utf-8", "surrogatepass"))
                    prober.send(
                        endpoint, method, path, where="csv cell", param=column, label=label,
                        **form_request({param.name: upload}),
                    )  # fmt: skip
            continue
        values = dict(HOSTILE)
        if endpoint.is_api and param.where == "body" and param.kind == "number":
            values |= HOSTILE_JSON_NUMBERS
        for label, value in values.items():
            if param.where == "query":
                request, where = query_request({param.name: value}), "query"
            elif endpoint.is_api:
                request, where = json_request({param.name: value}), "json"
            else:
                request, where = form_request({param.name: value}), "body"
            prober.send(endpoint, method, path, where=where, param=param.name, label=label, **request)


def probe_csv_text(prober: Prober, endpoint: Endpoint, path: str) -> None:
    """The import's confirm step takes the file's text back in ``csv_text``: every cell, every value."""
    for column in import_columns(endpoint)[0]:
        for label, value in HOSTILE.items():
            request = form_request({"csv_text": csv_with(column, value, endpoint)})
            prober.send(endpoint, "POST", path, where="csv cell (confirm)", param=column, label=label, **request)


def probe_segments(prober: Prober, endpoint: Endpoint, kwargs: dict[str, str]) -> None:
    for name in endpoint.kwargs:
        for label, value in HOSTILE_SEGMENTS.items():
            path = seeded.build_path(endpoint.route, kwargs | {name: value})
            for method in reading_methods(endpoint):
                prober.send(endpoint, method, path, where="url", param=name, label=label)


def endpoint_kwargs(endpoint: Endpoint, page_values: dict[str, str], rte) -> dict[str, str]:
    values = dict(page_values)
    if "pk" in endpoint.kwargs:
        values["pk"] = seeded.api_pk(endpoint.callback.cls, rte, exclude_user=rte)
    return values


def report(findings: list[Finding], requests: int) -> str:
    """The findings grouped by route, method and parameter, one line each: the base of FOUND_BEFORE.md."""
    grouped: dict[tuple, list[str]] = defaultdict(list)
    for f in findings:
        grouped[(f.route_name, f.route, f.method, f.where, f.param, f.status, f.problem)].append(f.value)
    lines = [f"{len(grouped)} places ({len(findings)} of {requests} requests) went wrong:", ""]
    lines += ["| route name | route | method | where | parameter | values | status | exception / problem |"]
    lines += ["|---|---|---|---|---|---|---|---|"]
    for (name, route, method, where, param, status, problem), values in sorted(grouped.items()):
        shown_values = ", ".join(shown(v) for v in dict.fromkeys(values))
        lines.append(f"| {name} | `{route}` | {method} | {where} | {param} | {shown_values} | {status} | {problem} |")
    return "\n".join(lines)


@pytest.mark.hardening
@pytest.mark.django_db
@pytest.mark.parametrize("half", [0, 1], ids=["first half", "second half"])
def test_no_hostile_value_reaches_a_server_error_or_is_stored(monkeypatch, half):
    """Every other endpoint in each half, so that the two halves run side by side (``make test`` runs two workers)."""
    with time_machine.travel(seeded.NOW, tick=True):
        art = seeded.seed_train()
        rte = seeded.rte_of(art)
        client = Client(raise_request_exception=False)
        client.force_login(rte)
        schema = SchemaGenerator().get_schema(request=None, public=True)
        discovered = discover(schema)
        endpoints = discovered[half::2]
        page_values = seeded.page_kwargs(art, rte)
        prober = Prober(client, client.cookies["sessionid"].value, seeded.watched_tables())
        # The 500s are the finding: their tracebacks would only bury the report.
        for logger in ("django.request", "django.security"):
            monkeypatch.setattr(logging.getLogger(logger), "disabled", True)

        for endpoint in endpoints:
            kwargs = endpoint_kwargs(endpoint, page_values, rte)
            path = seeded.build_path(endpoint.route, kwargs)
            for param in endpoint.params:
                probe_param(prober, endpoint, path, param)
            if any(param.name == "csv_text" for param in endpoint.params):
                probe_csv_text(prober, endpoint, path)
            probe_segments(prober, endpoint, kwargs)

    assert len(discovered) > 200 and prober.requests > 1000  # the discovery found the app
    text = report(prober.findings, prober.requests)
    if os.environ.get("HARDENING_REPORT_DIR"):
        with open(
            os.path.join(os.environ["HARDENING_REPORT_DIR"], f"hostile_input_{half}.md"), "w", encoding="utf-8"
        ) as file:
            file.write(text + "\n")
    assert not prober.findings, text
