"""How the pages of every app answer: a page or its htmx partial, and the outcome of a write.

A page is read with a plain full-page load; htmx asks for one of its partials instead
(``partial``). A write view validates its form and calls one service through ``attempt``,
which turns the service's refusals into an ``Outcome``; ``answer`` then replies the same way
on every page:

============  ======================================  =========================================
outcome       htmx request                            plain request (no JavaScript)
============  ======================================  =========================================
done          the fresh fragment with the notice,     the notice as a message, and a redirect
              200                                     back to the page
refused       the fragment with the reason, 422       the whole page with the reason, 422
conflict      the fragment as it is now, with the     the whole page as it is now, with the
              reason, 409                             reason, 409
============  ======================================  =========================================

``templates/base.html`` lets htmx swap 409 and 422 answers like 200 ones, so a refusal shows
its reason where the change was made, in the current state of the page.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django_filters import FilterSet

from artops.forms import add_service_errors, error_text
from artops.models import ART, ProgramIncrement, Team
from artops.parsing import id_or_nothing
from artops.services import StaleVersion

OK = 200
CONFLICT = 409
UNPROCESSABLE = 422


# --- reading --------------------------------------------------------------------------------


def partial(request: HttpRequest, template: str, name: str) -> str:
    """The whole page for a plain request, one of its partials (``name``) for an htmx request."""
    if request.htmx and not request.htmx.boosted:
        return f"{template}#{name}"
    return template


def pi_of(art: ART, pi_id: int) -> ProgramIncrement:
    """A PI of this train (404 otherwise)."""
    return get_object_or_404(ProgramIncrement.objects.for_art(art).select_related("art"), pk=pi_id)


def pi_of_query(art: ART, value: str | None) -> ProgramIncrement | None:
    """The PI a ``?pi=`` names (404 when it is not one of this train's), else the train's current PI."""
    if not value:
        return ProgramIncrement.objects.for_art(art).current(art.today())
    pi_id = id_or_nothing(value)
    if pi_id is None:
        raise Http404("No such PI on this train.")
    return pi_of(art, pi_id)


def team_of(art: ART, team_id: int) -> Team:
    """A team of this train (404 otherwise)."""
    return get_object_or_404(Team.objects.for_art(art).select_related("art"), pk=team_id)


# --- CSV exports -----------------------------------------------------------------------------


# The first characters of a cell that a spreadsheet reads as a formula: an export neutralises them
# with a leading quote (CSV injection), and the backlog import takes that quote off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text: str | None) -> str:
    """Free text for a CSV export, spreadsheet formulas neutralised (CSV injection); nothing is ""."""
    if not text:
        return ""
    return f"'{text}" if text[:1] in FORMULA_STARTS else text


def csv_day(value: date | None) -> str:
    return value.isoformat() if value else ""


def csv_moment(value: datetime | None, art: ART) -> str:
    """A timestamp in the train's time zone, to the minute."""
    return value.astimezone(art.tz).strftime("%Y-%m-%d %H:%M") if value else ""


def csv_response(filename: str, header: Iterable[str], rows: Iterable[Iterable]) -> HttpResponse:
    """A CSV download: the header row, then ``rows``."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


def bad_filters(filterset: FilterSet) -> HttpResponse:
    """400 with the reasons: an export asked with a filter value that is not one exports nothing."""
    reasons = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in filterset.errors.items())
    return HttpResponseBadRequest(f"These filters are not valid: {reasons}", content_type="text/plain; charset=utf-8")


# --- CSV uploads ------------------------------------------------------------------------------


class UploadError(ValueError):
    """An uploaded file cannot be read as CSV text at all; the message says what to do."""


def decode_upload(raw: bytes, *, max_bytes: int, what: str = "file") -> str:
    """The text of an uploaded CSV file (UTF-8, a byte-order mark allowed), or UploadError with a reason."""
    if len(raw) > max_bytes:
        raise UploadError(
            f"The file is {len(raw) / 1_000_000:.1f} MB; the limit is {max_bytes / 1_000_000:g} MB. Split it."
        )
    if not raw.strip():
        raise UploadError("The file is empty.")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UploadError("The file is UTF-16 text. Save it as “CSV UTF-8” from your spreadsheet and try again.")
    if b"\x00" in raw:
        raise UploadError(f"This is not a CSV file (it contains binary data). Save the {what} as CSV and try again.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise UploadError(
            f"The file is not UTF-8 text (line {line} has a character that is not). "
            "Save it as “CSV UTF-8” from your spreadsheet and try again."
        ) from error


def read_upload(upload, *, max_bytes: int, what: str = "file") -> str:
    """The text of an uploaded file; its declared size is checked before it is read."""
    if upload.size is not None and upload.size > max_bytes:
        raise UploadError(f"The file is {upload.size / 1_000_000:.1f} MB; the limit is {max_bytes / 1_000_000:g} MB.")
    return decode_upload(upload.read(max_bytes + 1), max_bytes=max_bytes, what=what)


def csv_rows(text: str) -> list[list[str]]:
    """The rows of CSV ``text``: comma-separated, or semicolon-separated when the header uses semicolons."""
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as error:
        raise UploadError(f"The file is not valid CSV: {error}.") from None


def normalise_header(name: str) -> str:
    """A column name as matched: case, spaces and hyphens do not matter (``Job size`` is ``job_size``)."""
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def csv_unquote(text: str) -> str:
    """Undo an export's protection against formulas: ``'=SUM(…)`` reads back as ``=SUM(…)``."""
    if text.startswith("'") and text[1:2] and text[1] in FORMULA_STARTS:
        return text[1:]
    return text


# --- writing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What a write came to: done (with what the service returned), refused or a conflict.

    ``status`` is the answer's: 200 done, 422 refused (bad input, or a rule of the service),
    409 conflict (someone changed the object since it was read; ``current`` is what it is now).
    ``error`` says why it was refused, as a person reads it.
    """

    status: int = OK
    result: Any = None
    error: str = ""
    current: Any = None

    @property
    def done(self) -> bool:
        return self.status == OK

    @property
    def conflict(self) -> bool:
        return self.status == CONFLICT


def refused(error: str) -> Outcome:
    """A refusal the view found itself, before asking any service."""
    return Outcome(status=UNPROCESSABLE, error=error)


def conflict(error: str, current: Any = None) -> Outcome:
    """A conflict the view found itself (the object is gone, or not as the editor saw it)."""
    return Outcome(status=CONFLICT, error=error, current=current)


def attempt(form: forms.Form | None, call: Callable[[], Any], *, refusal: str = "") -> Outcome:
    """Validate ``form`` and, when it is valid, make the change: ``call()``, one service call.

    A ``ValidationError`` of the service shows on the form (on its field where the form has
    it) and refuses, like an invalid form: the error is ``refusal`` (what was not done, such
    as "The story was not added") followed by the form's messages. A ``StaleVersion`` is a
    conflict, with the service's message and the object as it is now. Without a form (a
    write that names nothing but its URL, such as closing a vote) only the service refuses.
    """
    reasons = ""
    if form is None or form.is_valid():
        try:
            return Outcome(result=call())
        except StaleVersion as stale:
            return conflict(str(stale), stale.current)
        except ValidationError as error:
            if form is None:
                reasons = " ".join(error.messages)
            else:
                add_service_errors(form, error)
    if form is not None:
        reasons = error_text(form)
    return refused(f"{refusal}: {reasons}" if refusal else reasons)


class Show(Protocol):
    """Renders a page's fragment for htmx, the whole page otherwise, with a message."""

    def __call__(self, status: int, *, error: str = "", notice: str = "") -> HttpResponse: ...


def answer(
    request: HttpRequest,
    outcome: Outcome,
    *,
    show: Show,
    redirect_to: str,
    notice: str | Callable[[Any], str] = "",
) -> HttpResponse:
    """The answer of a write view (see the table at the top of this module).

    ``show(status, error=..., notice=...)`` renders the page's fragment for htmx and the
    whole page otherwise (with ``partial``). ``notice`` says what was done, or is a function
    of what the service returned that says it. ``redirect_to`` is where a plain request goes
    once the change is done.
    """
    if not outcome.done:
        return show(outcome.status, error=outcome.error)
    text = notice(outcome.result) if callable(notice) else notice
    if request.htmx:
        return show(OK, notice=text)
    if text:
        messages.success(request, text)
    return redirect(redirect_to)
