"""The page plumbing every app shares: the current PI, a write's outcome and answer, the PI switcher."""

from datetime import date

import pytest
from django import forms
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.template import Context, Template
from django.test import RequestFactory

from artops.forms import VERSION_MISSING, version_field
from artops.models import ProgramIncrement
from artops.pages import CONFLICT, OK, UNPROCESSABLE, Outcome, answer, attempt
from artops.services import StaleVersion
from artops.views import current_pi
from tests.factories import make_pi

# --- the current PI ----------------------------------------------------------------------------


@pytest.fixture
def three_pis(art):
    return [
        make_pi(art, name=name, start=start)
        for name, start in (("PI 1", date(2027, 1, 4)), ("PI 2", date(2027, 3, 15)), ("PI 3", date(2027, 5, 24)))
    ]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2027, 1, 4), "PI 1"),  # its first day
        (date(2027, 3, 14), "PI 1"),  # its last day
        (date(2027, 4, 1), "PI 2"),  # running
        (date(2026, 6, 1), "PI 1"),  # none running yet: the next one
        (date(2028, 1, 1), "PI 3"),  # all over: the latest
    ],
)
def test_the_current_pi_is_the_running_one_else_the_next_else_the_latest(art, three_pis, today, expected):
    assert ProgramIncrement.objects.for_art(art).current(today).name == expected
    # The home pages pick it among the PIs they have already read: the same rule, without a query.
    assert current_pi(list(ProgramIncrement.objects.for_art(art).chronological()), today).name == expected


def test_a_train_without_pis_has_no_current_pi(art, other_art, three_pis):
    assert ProgramIncrement.objects.for_art(other_art).current(date(2027, 4, 1)) is None


# --- a write: attempt and answer ---------------------------------------------------------------


class VersionForm(forms.Form):
    version = version_field()


class Thing:
    version = 3

    def __str__(self) -> str:
        return "the thing"


def test_attempt_calls_the_service_only_with_a_valid_form():
    calls = []
    outcome = attempt(VersionForm({}), lambda: calls.append(1), refusal="Not saved")
    assert (outcome.status, outcome.error, calls) == (UNPROCESSABLE, f"Not saved: {VERSION_MISSING}", [])
    outcome = attempt(VersionForm({"version": "2"}), lambda: "saved")
    assert (outcome.status, outcome.done, outcome.result) == (OK, True, "saved")


def test_attempt_shows_a_service_refusal_on_the_form():
    form = VersionForm({"version": "2"})

    def refuse():
        raise ValidationError({"version": "Too old.", "title": "Not here."})

    outcome = attempt(form, refuse)
    assert outcome.status == UNPROCESSABLE and outcome.error == "Not here. Too old."
    assert form.errors["version"] == ["Too old."] and form.non_field_errors() == ["Not here."]


def test_attempt_turns_a_stale_version_into_a_conflict_with_the_current_object():
    current = Thing()

    def stale():
        raise StaleVersion(current)

    outcome = attempt(VersionForm({"version": "2"}), stale)
    assert (outcome.status, outcome.conflict, outcome.current) == (CONFLICT, True, current)
    assert outcome.error.startswith("Someone changed the thing a moment ago (it is now at version 3).")


def test_attempt_without_a_form_reports_the_services_refusal():
    def refuse():
        raise ValidationError("Already committed.")

    assert attempt(None, refuse).error == "Already committed."


def _request(htmx: bool):
    headers = {"HX-Request": "true"} if htmx else {}
    request = RequestFactory().post("/", headers=headers)
    request.htmx = bool(htmx)
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _show(status: int, *, error: str = "", notice: str = "") -> HttpResponse:
    return HttpResponse(f"{error}{notice}", status=status)


@pytest.mark.parametrize("htmx", [True, False])
@pytest.mark.parametrize(("outcome_status", "error"), [(UNPROCESSABLE, "Bad input."), (CONFLICT, "Changed meanwhile.")])
def test_a_refused_write_shows_the_page_or_fragment_with_its_status(htmx, outcome_status, error):
    outcome = Outcome(status=outcome_status, error=error)
    response = answer(_request(htmx), outcome, show=_show, redirect_to="/back/", notice="Done.")
    assert (response.status_code, response.content.decode()) == (outcome_status, error)


def test_a_done_write_answers_htmx_with_the_fragment_and_a_page_with_a_redirect():
    outcome = attempt(None, lambda: 7)
    fragment = answer(_request(True), outcome, show=_show, redirect_to="/back/", notice=lambda n: f"{n} saved.")
    assert (fragment.status_code, fragment.content.decode()) == (200, "7 saved.")
    request = _request(False)
    page = answer(request, outcome, show=_show, redirect_to="/back/", notice=lambda n: f"{n} saved.")
    assert (page.status_code, page["Location"]) == (302, "/back/")
    assert [str(message) for message in request._messages] == ["7 saved."]


# --- the PI switcher -----------------------------------------------------------------------------


def test_pi_switcher_links_each_pi_and_marks_the_shown_one(art, team, three_pis):
    first, second, _ = three_pis
    html = Template('{% load artops_pages %}{% pi_switcher pis pi "team_board" team_id=team.pk %}').render(
        Context({"art": art, "pis": three_pis, "pi": second, "team": team})
    )
    assert f'href="/arts/{art.slug}/planning/pis/{first.pk}/teams/{team.pk}/board/"' in html
    assert f'href="/arts/{art.slug}/planning/pis/{second.pk}/teams/{team.pk}/board/" aria-current="page"' in html
    assert html.count("aria-current") == 1


def test_pi_switcher_can_name_the_pi_in_the_query_and_shows_nothing_without_pis(art, three_pis):
    template = Template('{% load artops_pages %}{% pi_switcher pis pi "roam_board" in_query=True %}')
    html = template.render(Context({"art": art, "pis": three_pis, "pi": None}))
    assert f'href="/arts/{art.slug}/risks/board/?pi={three_pis[0].pk}"' in html and "aria-current" not in html
    assert "pi-switcher" not in template.render(Context({"art": art, "pis": [], "pi": None}))
