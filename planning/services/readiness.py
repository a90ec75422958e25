"""The PI readiness checklist."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from artops.coaching.models import Playbook
from artops.coaching.text import checklist_items
from artops.models import ProgramIncrement, User
from artops.permissions import has_capability, require
from artops.services import require_member
from planning.models import (
    DEFAULT_READINESS,
    ReadinessItem,
)
from planning.services.common import UNSET, _lock, _validated


def create_default_readiness(pi: ProgramIncrement) -> list[ReadinessItem]:
    """Give a new PI the default readiness checklist; adds nothing twice.

    Called when a PI is created (``artops.signals.pi_created``, connected in ``PlanningConfig.ready``).
    """
    return ReadinessItem.objects.bulk_create(
        [ReadinessItem(pi=pi, title=title, position=position) for position, title in enumerate(DEFAULT_READINESS)],
        ignore_conflicts=True,
    )


def _refuse_duplicate_title(pi: ProgramIncrement, title: str, item: ReadinessItem | None = None) -> None:
    """A checklist names each item once, whatever the case: refused with the reason, before the
    database's unique constraint would refuse it as a mere conflict."""
    others = ReadinessItem.objects.filter(pi=pi, title__iexact=title)
    if item is not None:
        others = others.exclude(pk=item.pk)
    existing = others.values_list("title", flat=True).first()
    if existing is not None:
        raise ValidationError(
            {
                "title": f"This checklist already has that item: a readiness item titled “{existing}” "
                "already exists for this PI."
            }
        )


@transaction.atomic
def add_readiness_item(pi: ProgramIncrement, *, by: User, title: str, owner: User | None = None) -> ReadinessItem:
    require(by, "planning.facilitate", art=pi.art)
    require_member(owner, pi.art)
    _refuse_duplicate_title(pi, (title or "").strip())
    last = ReadinessItem.objects.filter(pi=pi).order_by("-position").values_list("position", flat=True).first()
    item = ReadinessItem(pi=pi, title=(title or "").strip(), owner=owner, position=(last or 0) + 1)
    _validated(item)
    return item


def can_update_readiness_item(user: User, item: ReadinessItem, fields=("done",)) -> bool:
    """The RTE keeps the checklist (``planning.facilitate``); an item's owner may tick or untick it.

    ``fields``: what the change names (``done``, ``owner``, ``title``).
    """
    if item.owner_id is not None and item.owner_id == user.pk and set(fields) <= {"done"}:
        return True
    return has_capability(user, "planning.facilitate", art=item.pi.art)


def require_update_readiness_item(user: User, item: ReadinessItem, fields=("done",)) -> None:
    """Refuse unless ``user`` may make this change to ``item``, with the reason."""
    if not can_update_readiness_item(user, item, fields):
        require(user, "planning.facilitate", art=item.pi.art)


@transaction.atomic
def update_readiness_item(
    item: ReadinessItem, *, by: User, expected_version: int, done=UNSET, owner=UNSET, title=UNSET
) -> ReadinessItem:
    """The RTE keeps the checklist; an item's owner may tick their own item."""
    named = {field for field, value in (("done", done), ("owner", owner), ("title", title)) if value is not UNSET}
    require_update_readiness_item(by, item, named)
    current = _lock(ReadinessItem, item, expected_version, f"the item “{item.title}”")
    current.pi = item.pi
    if owner is not UNSET:
        require_member(owner, item.pi.art)
        current.owner = owner
    if title is not UNSET:
        current.title = title.strip()
        _refuse_duplicate_title(item.pi, current.title, current)
    if done is not UNSET and done != current.done:
        current.done = done
        current.done_at = timezone.now() if done else None
    current.version += 1
    _validated(current)
    return current


@transaction.atomic
def seed_readiness_from_playbook(pi: ProgramIncrement, *, playbook: Playbook, by: User) -> list[ReadinessItem]:
    """Add the checklist of a playbook (its "- [ ] …" lines under the checklist heading) to the PI's
    readiness items. Items the checklist already has (whatever their case) are left as they are;
    a checklist line too long for an item refuses the whole seeding, with the line named."""
    require(by, "planning.facilitate", art=pi.art)
    if playbook.art_id != pi.art_id:
        raise ValidationError({"playbook": "That playbook belongs to another train."})
    lines = checklist_items(playbook.body)
    if not lines:
        raise ValidationError(
            {"playbook": f"“{playbook.title}” has no checklist: no “- [ ] …” lines under a checklist heading."}
        )
    limit = ReadinessItem._meta.get_field("title").max_length
    too_long = [line for line in lines if len(line) > limit]
    if too_long:
        raise ValidationError(
            {"playbook": f"A checklist line is longer than {limit} characters: “{too_long[0][:60]}…”. Shorten it."}
        )
    existing = {title.lower() for title in ReadinessItem.objects.filter(pi=pi).values_list("title", flat=True)}
    last = ReadinessItem.objects.filter(pi=pi).order_by("-position").values_list("position", flat=True).first() or 0
    new = []
    for line in lines:
        if line.lower() not in existing:
            existing.add(line.lower())
            new.append(ReadinessItem(pi=pi, title=line, position=last + len(new) + 1))
    for item in new:
        item.full_clean(exclude=["pi"], validate_unique=False, validate_constraints=False)
    return ReadinessItem.objects.bulk_create(new)
