"""schemathesis over every operation of /api/schema/: no server error, and every answer matches the schema.

The live test server serves the demo train; the RTE calls with an API token, as an integration
would. Each operation gets ``EXAMPLES`` generated requests, half valid by the schema and half
not ("negative"), and within each half some with random ids and some with the id of a real
object of the train (so the request reaches past the 404). Every answer is checked with
schemathesis's ``not_a_server_error`` and ``response_schema_conformance``. Failures are
collected, not shrunk, and reported together at the end.

Repeatable and bounded: Hypothesis is derandomized (same cases every run), has no example
database and no deadline. The RTE's own membership is never deleted, so the run keeps its rights.

Set ``HARDENING_REPORT_DIR=folder`` to write the findings to a file as well.
"""

from __future__ import annotations

import logging
import os
import time
from collections import defaultdict

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.specs.openapi.checks import response_schema_conformance

from artops.models import Membership
from artops.parsing import shown
from tests.hardening import seeded

# Enough to reach past every validation of each operation; more only lengthens the suite.
EXAMPLES = 12
CHECKS = [not_a_server_error, response_schema_conformance]
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: every failure is kept as found
    suppress_health_check=list(HealthCheck),
)


def real_path_parameters(operation, values: dict[str, str], rte, view_classes: dict[str, type]) -> dict[str, str]:
    """A real value for each path parameter of ``operation``: the train's slug, or an id its viewset shows."""
    names = [p.name for p in operation.path_parameters]
    found = {}
    for name in names:
        if name == "slug":
            found[name] = values["slug"]
        elif name == "id":
            view_class = view_classes.get(operation.path)
            if view_class is not None:
                found[name] = seeded.api_pk(view_class, rte, exclude_user=rte)
    return found


def api_view_classes() -> dict[str, type]:
    """OpenAPI path (``/api/teams/{id}/``) → the DRF viewset that serves it, from the URL patterns."""
    from tests.hardening.discovery import openapi_path, walk_patterns

    return {
        f"/{openapi_path(route)}/": pattern.callback.cls
        for route, pattern, kwargs in walk_patterns()
        if hasattr(pattern.callback, "cls") and "format" not in kwargs
    }


def is_own_membership_deletion(case, own_membership_ids: set[str]) -> bool:
    return (
        case.method.upper() == "DELETE"
        and case.operation.path.startswith("/api/memberships/")
        and str((case.path_parameters or {}).get("id")) in own_membership_ids
    )


def fuzz_operation(operation, strategy, *, base_url: str, headers: dict, own: set[str], found: list) -> int:
    """Run ``EXAMPLES`` cases of one operation; return how many requests were sent."""
    sent = 0

    @SETTINGS
    @given(case=strategy)
    def run(case):
        nonlocal sent
        if is_own_membership_deletion(case, own):
            return
        sent += 1
        try:
            case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=30)
        except schemathesis.errors.SchemathesisError:
            raise
        except BaseException as error:  # a FailureGroup or one Failure: keep it and go on
            failures = getattr(error, "exceptions", None) or [error]
            for failure in failures:
                title = getattr(failure, "title", type(failure).__name__)
                message = getattr(failure, "message", str(failure))
                message = message.splitlines()[0] if message else ""
                where = getattr(failure, "instance_path", None)
                if where:  # which field of the answer broke the schema: results/0/providing_team
                    message += " at " + "/".join(str(part) for part in where)
                found.append((operation.label, title, message, case))

    run()
    return sent


def report(found: list, requests: int, seconds: float) -> str:
    grouped: dict[tuple[str, str], list] = defaultdict(list)
    for label, title, message, case in found:
        grouped[(label, title)].append((message, case))
    lines = [
        f"{len(grouped)} operation × check pairs failed ({len(found)} of {requests} requests, {seconds:.0f} s):",
        "",
        "| operation | check | first message | example |",
        "|---|---|---|---|",
    ]
    for (label, title), items in sorted(grouped.items()):
        message, case = items[0]
        example = f"{case.method.upper()} {case.formatted_path}"
        if case.query:
            example += f" query={case.query}"
        if not isinstance(case.body, NotSet):
            example += f" body={case.body!r}"
        lines.append(f"| {label} | {title} ({len(items)}×) | {shown(message, 120)} | {shown(example, 160)} |")
    return "\n".join(lines)


@pytest.mark.hardening
@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_the_api_answers_every_generated_request_by_its_schema(live_server, monkeypatch):
    started = time.monotonic()
    # Thousands of 4xx answers are expected: their log lines would only bury the report.
    monkeypatch.setattr(logging.getLogger("django.request"), "disabled", True)
    art = seeded.seed_train()
    rte = seeded.rte_of(art)
    token = Token.objects.create(user=rte)
    headers = {"Authorization": f"Token {token.key}"}
    own = {str(pk) for pk in Membership.objects.filter(user=rte).values_list("pk", flat=True)}
    values = seeded.page_kwargs(art, rte)
    view_classes = api_view_classes()

    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/", headers=headers)
    found: list = []
    requests = operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        real = real_path_parameters(operation, values, rte, view_classes)
        strategies = []
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            strategies.append(operation.as_strategy(generation_mode=mode))
            if real:
                strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=real))
        requests += fuzz_operation(
            operation, st.one_of(strategies), base_url=live_server.url, headers=headers, own=own, found=found
        )
    seconds = time.monotonic() - started

    assert operations >= 80 and requests >= EXAMPLES * operations * 0.9
    text = report(found, requests, seconds)
    if os.environ.get("HARDENING_REPORT_DIR"):
        with open(os.path.join(os.environ["HARDENING_REPORT_DIR"], "schema_fuzz.md"), "w", encoding="utf-8") as file:
            file.write(text + "\n")
    assert not found, text
