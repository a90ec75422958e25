"""Every change to the ART backlog, one function per intent.

The same functions serve the backlog page, its htmx endpoints, the API and the shell. Each
checks the capability (business features: ``planning.edit_backlog``; enablers:
``planning.edit_enablers``), validates, writes atomically and returns the feature. Invalid
input raises ``ValidationError`` and nothing is written; an edit based on a version that is
no longer current raises ``StaleVersion`` (a 409 on every interface).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from artops.models import ART, ProgramIncrement, User
from artops.permissions import require
from planning.models import WSJF_INPUTS, Feature, FeatureCounter, FeatureStateChange, key_prefix

EDITABLE_FIELDS = (
    "title",
    "type",
    "description",
    "benefit_hypothesis",
    "acceptance_criteria",
    "pi",
    *WSJF_INPUTS,
)


class StaleVersion(Exception):
    """Someone changed the feature since the editor read it."""

    def __init__(self, feature: Feature):
        self.feature = feature
        super().__init__(
            f"Someone changed {feature.key} a moment ago (it is now at version {feature.version}). "
            "The page shows the current values: make your change again."
        )


def edit_capability(feature_type: str) -> str:
    """The capability needed to edit a feature of this type."""
    return "planning.edit_enablers" if feature_type == Feature.Type.ENABLER else "planning.edit_backlog"


def require_edit(user: User, art: ART, *feature_types: str) -> None:
    for feature_type in set(feature_types):
        require(user, edit_capability(feature_type), art=art)


def _check_type(value: str) -> None:
    if value not in Feature.Type.values:
        raise ValidationError({"type": "A feature is a business feature or an enabler."})


def _save_validated(feature: Feature, **save_kwargs) -> None:
    """Validate fields (the Fibonacci scale by the fields' choices) and the PI's train, then save.

    The check constraints repeat the field validation in the database, so they are not asked
    one query each beforehand; the key is unique by its counter.
    """
    feature.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            feature.save(**save_kwargs)
    except IntegrityError as error:
        raise ValidationError("This conflicts with a change made a moment ago; reload and try again.") from error


def _record_state(feature: Feature, *, from_state: str, by: User) -> None:
    FeatureStateChange.objects.create(
        feature=feature, from_state=from_state, to_state=feature.state, at=timezone.now(), by=by
    )


def _locked(feature: Feature, expected_version: int) -> Feature:
    """The feature's current row, locked until the end of the transaction; stale versions refused."""
    current = Feature.objects.select_for_update(of=("self",)).select_related("art", "pi").get(pk=feature.pk)
    if current.version != expected_version:
        raise StaleVersion(current)
    return current


@transaction.atomic
def create_feature(
    art: ART,
    *,
    title: str,
    by: User,
    type: str = Feature.Type.BUSINESS,
    pi: ProgramIncrement | None = None,
    **fields,
) -> Feature:
    """Add a feature to the train's backlog, in the funnel, with the next key of the train."""
    _check_type(type)
    require_edit(by, art, type)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"These fields do not exist: {', '.join(sorted(unknown))}.")
    feature = Feature(art=art, title=title.strip(), type=type, pi=pi, **fields)
    # Refused input rolls the whole transaction back, the counter's increment included: no gaps.
    feature.key = f"{key_prefix(art)}-{FeatureCounter.next_number(art)}"
    _save_validated(feature)
    _record_state(feature, from_state="", by=by)
    return Feature.objects.with_related().get(pk=feature.pk)


@transaction.atomic
def update_feature(feature: Feature, *, by: User, expected_version: int, **changes) -> Feature:
    """Change a feature's description, PI or WSJF inputs; refused if someone changed it since."""
    require_edit(by, feature.art, feature.type)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"These fields do not exist: {', '.join(sorted(unknown))}.")
    if "type" in changes:
        _check_type(changes["type"])
        # An architect may not turn an enabler into a business feature, nor back.
        require_edit(by, feature.art, changes["type"])
    feature = _locked(feature, expected_version)
    for field, value in changes.items():
        setattr(feature, field, value.strip() if field == "title" else value)
    feature.version += 1
    _save_validated(feature)
    return Feature.objects.with_related().get(pk=feature.pk)


@transaction.atomic
def change_feature_state(feature: Feature, *, to: str, by: User, expected_version: int) -> Feature:
    """Move a feature along the ART Kanban; every move is recorded with who and when."""
    require_edit(by, feature.art, feature.type)
    if to not in Feature.State.values:
        raise ValidationError({"state": f"“{to}” is not a feature state."})
    feature = _locked(feature, expected_version)
    allowed = feature.allowed_next_states()
    if to not in allowed:
        current = Feature.State(feature.state).label
        options = ", ".join(state.label for state in allowed) or "nowhere: it is final"
        raise ValidationError({"state": f"A feature in {current} moves to {options}."})
    from_state = feature.state
    feature.state = to
    feature.version += 1
    feature.save(update_fields=["state", "version", "updated_at"])
    _record_state(feature, from_state=from_state, by=by)
    return Feature.objects.with_related().get(pk=feature.pk)
