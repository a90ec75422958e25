"""Getting ready for PI Planning: the PI readiness checklist.

A checklist per PI (every new PI gets the default items) with owners and done
state, and its progress. The RTE adds items, changes owners and ticks items; an item's owner
may tick their own. Every change names the version it was read at: a stale one answers 409.
``readiness_progress(pis)`` gives the progress of several PIs in one query, for the partial
``planning/_readiness_progress.html`` that other pages include.

Answers: invalid input 422 with the message, a stale version 409 with the message and the
current checklist, a role without the capability 403, another train's PI or item 404. Every
write works as a plain form post; with htmx it answers the checklist fragment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Case, Count, Q, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from artops.coaching.models import Playbook
from artops.models import ART, ProgramIncrement, User
from artops.pages import OK, UNPROCESSABLE, answer, attempt, partial, pi_of
from artops.permissions import art_capability_required, has_capability, require
from planning import services
from planning.forms.readiness import PlaybookChecklistForm, ReadinessAddForm, ReadinessItemForm
from planning.models import ReadinessItem

NAV_SECTION = "plan"

READINESS_TEMPLATE = "planning/readiness.html"
READINESS_FRAGMENT = "readiness"


# --- progress, for this page and for others ----------------------------------------------------


@dataclass(frozen=True)
class ReadinessProgress:
    """How much of a PI's readiness checklist is done."""

    done: int = 0
    total: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done == self.total


def readiness_progress(pis: Iterable[ProgramIncrement]) -> dict[int, ReadinessProgress]:
    """The progress of each PI's checklist, by PI id, in one query (a PI without items: 0 of 0)."""
    pi_ids = [pi.pk for pi in pis]
    progress = dict.fromkeys(pi_ids, ReadinessProgress())
    if not pi_ids:
        return progress
    rows = (
        ReadinessItem.objects.filter(pi_id__in=pi_ids)
        .order_by()
        .values("pi_id")
        .annotate(total=Count("id"), done=Count("id", filter=Q(done=True)))
    )
    for row in rows:
        progress[row["pi_id"]] = ReadinessProgress(done=row["done"], total=row["total"])
    return progress


# --- the checklist -----------------------------------------------------------------------------


def _members(art: ART) -> list[User]:
    """The train's members, each once: who may own an item."""
    return list(User.objects.filter(memberships__art=art).distinct().order_by("display_name", "email"))


def _checklist_context(
    request: HttpRequest,
    art: ART,
    pi: ProgramIncrement,
    *,
    add_form: ReadinessAddForm | None = None,
    seed_form: PlaybookChecklistForm | None = None,
    refused: dict[int, tuple[ReadinessItemForm | None, str]] | None = None,
    error: str = "",
    notice: str = "",
) -> dict:
    """What the checklist page and its fragment show.

    ``refused`` holds, per item id, the refused owner form (to show the choice again) and the message.
    """
    user = request.user
    can_facilitate = has_capability(user, "planning.facilitate", art=art)
    items = list(ReadinessItem.objects.filter(pi=pi).select_related("owner"))
    members = _members(art) if can_facilitate else []
    refused = refused or {}
    for item in items:
        item.pi = pi
        item.may_tick = services.can_update_readiness_item(user, item, ("done",))
        refused_form, item.error = refused.get(item.pk, (None, ""))
        if can_facilitate:
            item.owner_form = refused_form or ReadinessItemForm(
                members=members,
                initial={"owner": item.owner_id, "version": item.version},
                auto_id=f"item-{item.pk}-%s",
            )
    if can_facilitate and add_form is None:
        add_form = ReadinessAddForm(members=members, auto_id="new-item-%s")
    if can_facilitate and seed_form is None:
        seed_form = PlaybookChecklistForm(playbooks=_playbooks(art), auto_id="seed-%s")
    done = sum(1 for item in items if item.done)
    return {
        "art": art,
        "pi": pi,
        "items": items,
        "progress": ReadinessProgress(done=done, total=len(items)),
        "can_facilitate": can_facilitate,
        "add_form": add_form,
        "seed_form": seed_form,
        "error": error,
        "notice": notice,
    }


@art_capability_required("art.view")
@require_GET
@vary_on_headers("HX-Request")
def pi_readiness(request: HttpRequest, pi_id: int) -> HttpResponse:
    """The PI's readiness checklist: items, owners, done state and progress."""
    art: ART = request.art
    pi = pi_of(art, pi_id)
    template = partial(request, READINESS_TEMPLATE, READINESS_FRAGMENT)
    return render(request, template, _checklist_context(request, art, pi))


def _show(
    request: HttpRequest,
    art: ART,
    pi: ProgramIncrement,
    status: int = OK,
    *,
    error: str = "",
    notice: str = "",
    **context_kwargs,
) -> HttpResponse:
    """The checklist with a message: its fragment for htmx, the whole page otherwise."""
    context = _checklist_context(request, art, pi, error=error, notice=notice, **context_kwargs)
    template = partial(request, READINESS_TEMPLATE, READINESS_FRAGMENT)
    return render(request, template, context, status=status)


def _page_url(art: ART, pi: ProgramIncrement) -> str:
    return reverse("pi_readiness", kwargs={"art_slug": art.slug, "pi_id": pi.pk})


@art_capability_required("art.view")
@require_POST
def readiness_add(request: HttpRequest, pi_id: int) -> HttpResponse:
    """The RTE adds an item to the checklist, with its owner."""
    art: ART = request.art
    pi = pi_of(art, pi_id)
    # The capability before the input: a role that may not add learns nothing from validation.
    require(request.user, "planning.facilitate", art=art)
    form = ReadinessAddForm(request.POST, members=_members(art), auto_id="new-item-%s")

    def add():
        data = form.cleaned_data
        # The service refuses a title the checklist already has (whatever its case), with the reason.
        return services.add_readiness_item(pi, by=request.user, title=data["title"], owner=data["owner"])

    def show(status: int, *, error: str = "", notice: str = "") -> HttpResponse:
        # A refused item keeps what was typed, with the reasons, in the form to add it.
        return _show(request, art, pi, status, notice=notice, add_form=form if error else None)

    outcome = attempt(form, add)
    return answer(
        request,
        outcome,
        show=show,
        redirect_to=_page_url(art, pi),
        notice=lambda item: f"“{item.title}” added to the checklist.",
    )


def _item_of(art: ART, item_id: int) -> ReadinessItem:
    """An item of a PI of this train (404 otherwise), with its PI and owner."""
    return get_object_or_404(ReadinessItem.objects.filter(pi__art=art).select_related("pi__art", "owner"), pk=item_id)


@art_capability_required("art.view")
@require_POST
def readiness_update(request: HttpRequest, item_id: int) -> HttpResponse:
    """Tick or untick an item, or change its owner; fields the request does not name are left alone."""
    art: ART = request.art
    item = _item_of(art, item_id)
    pi = item.pi
    user = request.user
    changes_owner = "owner" in request.POST
    # Who may make the change before the input: the RTE changes anything, an item's owner may tick it.
    services.require_update_readiness_item(user, item, {"done", "owner"} & set(request.POST))
    members = _members(art) if changes_owner else []
    form = ReadinessItemForm(request.POST, members=members, auto_id=f"item-{item.pk}-%s")
    changes = {}

    def save():
        data = form.cleaned_data
        if data["done"] is not None:
            changes["done"] = data["done"]
        if changes_owner:
            changes["owner"] = data["owner"]
        if not changes:
            raise ValidationError("Nothing to change: tick the item or choose its owner.")
        return services.update_readiness_item(item, by=user, expected_version=data["version"], **changes)

    def show(status: int, *, error: str = "", notice: str = "") -> HttpResponse:
        if status == UNPROCESSABLE:
            # The reasons show at the item, with the owner chosen if that was the change.
            return _show(request, art, pi, status, refused={item.pk: (form if changes_owner else None, error)})
        return _show(request, art, pi, status, error=error, notice=notice)

    outcome = attempt(form, save, refusal=f"“{item.title}” was not changed")
    return answer(
        request,
        outcome,
        show=show,
        redirect_to=_page_url(art, pi),
        notice=lambda saved: _update_notice(saved, changes),
    )


def _update_notice(item: ReadinessItem, changes: dict) -> str:
    if "owner" in changes:
        owner = item.owner.display_name if item.owner else "nobody"
        return f"“{item.title}” is now owned by {owner}."
    return f"“{item.title}” is {'done' if item.done else 'not done'}."


# --- seeding the checklist from a playbook -------------------------------------------------------


def _playbooks(art: ART):
    """The train's playbooks, readiness playbooks first (the form's default choice), then by title."""
    readiness_first = Case(When(title__icontains="readiness", then=Value(0)), default=Value(1))
    return Playbook.objects.for_art(art).select_related("art").order_by(readiness_first, "title")


@art_capability_required("planning.facilitate")
@require_POST
def readiness_from_playbook(request: HttpRequest, pi_id: int) -> HttpResponse:
    """The RTE adds the checklist items of a playbook (its "- [ ] …" lines) to the PI's checklist."""
    art: ART = request.art
    pi = pi_of(art, pi_id)
    form = PlaybookChecklistForm(request.POST, playbooks=_playbooks(art), auto_id="seed-%s")
    outcome = attempt(
        form,
        lambda: services.seed_readiness_from_playbook(pi, playbook=form.cleaned_data["playbook"], by=request.user),
        refusal="No item was added",
    )

    def show(status: int, *, error: str = "", notice: str = "") -> HttpResponse:
        return _show(request, art, pi, status, error=error, notice=notice, seed_form=form if error else None)

    def added(items) -> str:
        title = form.cleaned_data["playbook"].title
        if not items:
            return f"The checklist already has every item of “{title}”."
        return f"{len(items)} item{'s' if len(items) != 1 else ''} of “{title}” added to the checklist."

    return answer(request, outcome, show=show, redirect_to=_page_url(art, pi), notice=added)
