"""The ART backlog: features and enablers, their WSJF and state, the CSV import's rows, proposals to the funnel."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from artops.models import ART, ProgramIncrement, User
from artops.permissions import require
from artops.services import lock_version
from planning.models import (
    WSJF_INPUTS,
    BoardClock,
    Feature,
    FeatureCounter,
    FeaturePlacement,
    FeatureStateChange,
    key_prefix,
)
from planning.services.common import _validated

EDITABLE_FIELDS = (
    "title",
    "type",
    "description",
    "benefit_hypothesis",
    "acceptance_criteria",
    "pi",
    *WSJF_INPUTS,
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


def _record_state(feature: Feature, *, from_state: str, by: User) -> None:
    FeatureStateChange.objects.create(
        feature=feature, from_state=from_state, to_state=feature.state, at=timezone.now(), by=by
    )


def _locked(feature: Feature, expected_version: int) -> Feature:
    """The feature's current row, locked until the end of the transaction; stale versions refused."""
    return lock_version(Feature.objects.select_related("art", "pi"), feature.pk, expected_version)


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
    _validated(feature)
    _record_state(feature, from_state="", by=by)
    return Feature.objects.with_related().get(pk=feature.pk)


class RowsRefused(ValidationError):
    """Some of the features given to ``create_features`` were refused; nothing was written.

    ``rows`` maps the index of each refused row (from 0, in the order given) to its messages.
    """

    def __init__(self, rows: dict[int, list[str]]):
        self.rows = rows
        super().__init__([f"Row {index + 1}: {message}" for index, messages in rows.items() for message in messages])


@transaction.atomic
def create_features(art: ART, *, rows: list[dict], by: User) -> list[Feature]:
    """Add many features to the train's backlog at once (the CSV import): all or nothing.

    Each row holds the arguments ``create_feature`` takes (``title``, ``type``, ``pi``, the
    WSJF inputs…). Every row is validated before anything is written; a refused row raises
    ``RowsRefused`` naming each refused row. Keys follow the order of ``rows``. Set-based: the
    same few queries whether the file has two rows or a thousand.
    """
    types = {values.get("type", Feature.Type.BUSINESS) for values in rows}
    require_edit(by, art, *(feature_type for feature_type in types if feature_type in Feature.Type.values))
    features: list[Feature] = []
    refused: dict[int, list[str]] = {}
    for index, values in enumerate(rows):
        fields = dict(values)
        title = (fields.pop("title", "") or "").strip()
        feature_type = fields.pop("type", Feature.Type.BUSINESS)
        unknown = set(fields) - set(EDITABLE_FIELDS)
        if unknown:
            refused[index] = [f"These fields do not exist: {', '.join(sorted(unknown))}."]
            continue
        feature = Feature(art=art, title=title, type=feature_type, **fields)
        try:
            _check_type(feature_type)
            # The train and the PI are objects already read: asking the database whether they
            # exist would cost two queries a row. ``clean`` still checks the PI is the train's.
            feature.full_clean(exclude=["art", "pi", "key"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            refused[index] = error.messages
        features.append(feature)
    if refused:
        raise RowsRefused(refused)
    for feature, number in zip(features, FeatureCounter.reserve(art, len(features)), strict=True):
        feature.key = f"{key_prefix(art)}-{number}"
    Feature.objects.bulk_create(features)
    now = timezone.now()
    FeatureStateChange.objects.bulk_create(
        FeatureStateChange(feature=feature, from_state="", to_state=feature.state, at=now, by=by)
        for feature in features
    )
    return features


# What a feature's card on the program board shows, and what orders the cards in a cell (WSJF,
# highest first): a change of these is a change of the board.
BOARD_FIELDS = frozenset({"title", "type", "pi", *WSJF_INPUTS})


def _tick_boards_of(feature: Feature, *other_pi_ids: int | None) -> None:
    """Tell the program boards that show this feature (its PI's, and those of its cards) that it changed."""
    pi_ids = set(FeaturePlacement.objects.filter(feature=feature).values_list("iteration__pi_id", flat=True))
    pi_ids.update(pi_id for pi_id in (feature.pi_id, *other_pi_ids) if pi_id)
    for pi_id in sorted(pi_ids):
        BoardClock.tick(pi_id)


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
    pi_before = feature.pi_id
    for field, value in changes.items():
        setattr(feature, field, value.strip() if field == "title" else value)
    feature.version += 1
    _validated(feature)
    if BOARD_FIELDS & set(changes):
        _tick_boards_of(feature, pi_before)
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
    _tick_boards_of(feature)
    return Feature.objects.with_related().get(pk=feature.pk)


@transaction.atomic
def propose_feature(art: ART, *, title: str, description: str, by: User) -> Feature:
    """Propose a business feature to the ART backlog: it enters the funnel, the backlog's intake.

    Wider than ``create_feature``: Business Owners and System Architects propose too (a Business
    Owner turns feedback from a System Demo into a backlog item). The feature is unsized and in
    no PI; Product Management analyses it and ranks it like any other once its WSJF is given.
    """
    require(by, "planning.propose_feature", art=art)
    feature = Feature(art=art, title=(title or "").strip(), description=(description or "").strip())
    feature.key = f"{key_prefix(art)}-{FeatureCounter.next_number(art)}"
    _validated(feature)
    _record_state(feature, from_state="", by=by)
    return Feature.objects.with_related().get(pk=feature.pk)
