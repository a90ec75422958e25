"""The ROAM rules, through the services: every (from, to) pair of states, what a state needs, the
history of every move, aging quietly, severity, and who may raise, edit, ROAM and resolve."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from risks import services
from risks.filters import RiskFilter, severity_band
from risks.models import Risk, RiskChange
from tests.conftest import PERSONAS

State = Risk.State

# The ROAM rules of DESIGN.md, written out here rather than read from the model: every risk starts
# unroamed; a ROAMed risk may be ROAMed again differently or resolved; a resolved one may be reopened.
LEGAL = {
    State.UNROAMED: {State.RESOLVED, State.OWNED, State.ACCEPTED, State.MITIGATED},
    State.OWNED: {State.RESOLVED, State.ACCEPTED, State.MITIGATED},
    State.ACCEPTED: {State.RESOLVED, State.OWNED, State.MITIGATED},
    State.MITIGATED: {State.RESOLVED, State.OWNED, State.ACCEPTED},
    State.RESOLVED: {State.UNROAMED},
}
PAIRS = [(source, target) for source in State for target in State]

ROAM_ANYWHERE = {"rte", "product_manager", "system_architect", "business_owner"}
ROAM_OWN_TEAM = {"scrum_master", "product_owner"}
MEMBERS = {*ROAM_ANYWHERE, *ROAM_OWN_TEAM, "team_member"}


def as_user(persona):
    return AnonymousUser() if persona is None else persona


def make_risk(art, pi, by, *, state=State.UNROAMED, team=None, owner=None, title="Card provider may slip"):
    """A risk raised by ``by``, then put in ``state`` with what that state needs (and nothing more)."""
    risk = services.raise_risk(art, by=by, pi=pi, title=title, team=team, probability=3, impact=4)
    needs = {
        State.OWNED: {"owner": owner or by},
        State.ACCEPTED: {"rationale": "The fallback provider covers it."},
        State.MITIGATED: {"mitigation_plan": "Contract a second provider."},
    }.get(state, {})
    Risk.objects.filter(pk=risk.pk).update(state=state, **needs)
    return Risk.objects.with_related().get(pk=risk.pk)


def needs_of(target, owner) -> dict:
    return {
        State.OWNED: {"owner": owner},
        State.ACCEPTED: {"rationale": "Low impact on the PI objectives."},
        State.MITIGATED: {"mitigation_plan": "Feature toggle and a second supplier."},
    }.get(target, {})


def moves(risk) -> int:
    return RiskChange.objects.filter(risk=risk, kind=RiskChange.Kind.MOVED).count()


# --- every (from, to) pair --------------------------------------------------------------------


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{s.value}->{t.value}" for s, t in PAIRS])
def test_every_pair_of_states(art, pi, rte, product_owner, source, target):
    risk = make_risk(art, pi, rte, state=source)
    needs = needs_of(target, product_owner)

    if target in LEGAL[source]:
        moved = services.roam_risk(risk, to=target, by=rte, expected_version=1, **needs)
        assert (moved.state, moved.version) == (target, 2)
        for field, value in needs.items():
            assert getattr(moved, field) == value
        change = RiskChange.objects.get(risk=risk, kind=RiskChange.Kind.MOVED)
        assert change.changes["state"] == [source.value, target.value]
        assert change.by == rte
    else:
        with pytest.raises(ValidationError) as refusal:
            services.roam_risk(risk, to=target, by=rte, expected_version=1, **needs)
        allowed = [state.label for state in State if state in LEGAL[source]]
        message = " ".join(refusal.value.messages)
        assert message.startswith(f"A risk in {source.label} can move to ")
        assert sorted(message.removesuffix(".").split(" can move to ")[1].split(", ")) == sorted(allowed)
        stored = Risk.objects.get(pk=risk.pk)
        assert (stored.state, stored.version) == (source, 1)
        assert moves(risk) == 0


def test_an_unknown_state_is_refused_with_a_message(art, pi, rte):
    risk = make_risk(art, pi, rte)
    with pytest.raises(ValidationError) as refusal:
        services.roam_risk(risk, to="maybe", by=rte, expected_version=1)
    assert refusal.value.messages == ["“maybe” is not a ROAM state."]
    assert (Risk.objects.get(pk=risk.pk).state, moves(risk)) == (State.UNROAMED, 0)


# --- what a state needs -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "needs", "message"),
    [
        (State.OWNED, {}, "An owned risk needs an owner."),
        (State.OWNED, {"owner": None}, "An owned risk needs an owner."),
        (State.ACCEPTED, {}, "An accepted risk needs a rationale: why is it acceptable?"),
        (State.ACCEPTED, {"rationale": ""}, "An accepted risk needs a rationale: why is it acceptable?"),
        (State.ACCEPTED, {"rationale": "   \n "}, "An accepted risk needs a rationale: why is it acceptable?"),
        (State.MITIGATED, {}, "A mitigated risk needs the plan that reduces it."),
        (State.MITIGATED, {"mitigation_plan": "  "}, "A mitigated risk needs the plan that reduces it."),
    ],
    ids=[
        "owned-none",
        "owned-blank",
        "accepted-none",
        "accepted-empty",
        "accepted-spaces",
        "mitigated-none",
        "mitigated-spaces",
    ],
)
def test_a_state_without_what_it_needs_is_refused(art, pi, rte, target, needs, message):
    risk = make_risk(art, pi, rte)
    with pytest.raises(ValidationError) as refusal:
        services.roam_risk(risk, to=target, by=rte, expected_version=1, **needs)
    assert message in refusal.value.messages
    stored = Risk.objects.get(pk=risk.pk)
    assert (stored.state, stored.version, stored.owner_id, stored.rationale) == (State.UNROAMED, 1, None, "")
    assert moves(risk) == 0


def test_an_owner_must_be_on_the_train(art, pi, rte, outsider):
    risk = make_risk(art, pi, rte)
    with pytest.raises(ValidationError) as refusal:
        services.roam_risk(risk, to=State.OWNED, by=rte, expected_version=1, owner=outsider)
    assert refusal.value.messages == [f"{outsider.display_name} is not a member of this train."]
    assert Risk.objects.get(pk=risk.pk).state == State.UNROAMED


# --- the history --------------------------------------------------------------------------------


def test_every_move_is_recorded_with_who_when_and_what(art, pi, rte, product_owner, team):
    with time_machine.travel(datetime(2026, 10, 7, 8, 30, tzinfo=UTC), tick=False):
        risk = make_risk(art, pi, rte, team=team)
    with time_machine.travel(datetime(2026, 10, 8, 9, 0, tzinfo=UTC), tick=False):
        risk = services.roam_risk(
            risk, to=State.OWNED, by=product_owner, expected_version=1, owner=product_owner, note=" Mine now. "
        )
    with time_machine.travel(datetime(2026, 10, 9, 10, 0, tzinfo=UTC), tick=False):
        services.roam_risk(risk, to=State.RESOLVED, by=rte, expected_version=2)

    history = list(RiskChange.objects.filter(risk=risk).order_by("at", "id"))
    assert [(change.kind, change.by, change.at) for change in history] == [
        (RiskChange.Kind.RAISED, rte, datetime(2026, 10, 7, 8, 30, tzinfo=UTC)),
        (RiskChange.Kind.MOVED, product_owner, datetime(2026, 10, 8, 9, 0, tzinfo=UTC)),
        (RiskChange.Kind.MOVED, rte, datetime(2026, 10, 9, 10, 0, tzinfo=UTC)),
    ]
    assert history[1].changes == {"state": ["unroamed", "owned"], "owner": [None, product_owner.display_name]}
    assert history[1].note == "Mine now."
    assert history[2].changes == {"state": ["owned", "resolved"]}


def test_a_move_and_its_record_are_written_in_one_transaction(art, pi, rte, product_owner):
    risk = make_risk(art, pi, rte)
    with CaptureQueriesContext(connection) as captured:
        services.roam_risk(risk, to=State.OWNED, by=rte, expected_version=1, owner=product_owner)
    sql = [query["sql"] for query in captured.captured_queries]
    savepoint = next(statement.split()[-1] for statement in sql if statement.startswith("SAVEPOINT"))
    start = sql.index(f"SAVEPOINT {savepoint}")
    end = sql.index(f"RELEASE SAVEPOINT {savepoint}")
    update = next(i for i, statement in enumerate(sql) if statement.startswith('UPDATE "risks_risk"'))
    insert = next(i for i, statement in enumerate(sql) if statement.startswith('INSERT INTO "risks_riskchange"'))
    # The row is locked, changed and its record written between the same savepoint and its release.
    assert start < update < insert < end


def test_an_edit_is_recorded_with_each_field_before_and_after(art, pi, rte, team):
    risk = make_risk(art, pi, rte)
    services.update_risk(risk, by=rte, expected_version=1, title="Card provider will slip", probability=5, team=team)
    change = RiskChange.objects.get(risk=risk, kind=RiskChange.Kind.EDITED)
    assert change.changes == {
        "title": ["Card provider may slip", "Card provider will slip"],
        "probability": [3, 5],
        "team": [None, "Falcons"],
    }
    assert change.by == rte


# --- aging quietly ----------------------------------------------------------------------------

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("updated_at", "state", "quiet"),
    [
        (datetime(2026, 11, 26, 8, 0, tzinfo=UTC), State.UNROAMED, False),
        (datetime(2026, 11, 13, 12, 0, tzinfo=UTC), State.UNROAMED, False),  # 13 days
        (datetime(2026, 11, 12, 12, 0, tzinfo=UTC), State.UNROAMED, True),  # 14 days
        (datetime(2026, 11, 12, 12, 0, tzinfo=UTC), State.OWNED, True),
        (datetime(2026, 10, 1, 12, 0, tzinfo=UTC), State.MITIGATED, True),
        (datetime(2026, 10, 1, 12, 0, tzinfo=UTC), State.RESOLVED, False),  # resolved is never quiet
        # 23:30 UTC on the 12th is already the 13th in Berlin, the train's zone: 13 days.
        (datetime(2026, 11, 12, 23, 30, tzinfo=UTC), State.UNROAMED, False),
        (datetime(2026, 11, 12, 22, 30, tzinfo=UTC), State.UNROAMED, True),
    ],
)
def test_aging_quietly_against_fixed_dates(art, pi, rte, updated_at, state, quiet):
    risk = make_risk(art, pi, rte, state=state)
    Risk.objects.filter(pk=risk.pk).update(updated_at=updated_at)
    risk = Risk.objects.with_related().get(pk=risk.pk)
    assert risk.is_quiet(TODAY) is quiet
    # The board's filter says the same, in SQL.
    found = RiskFilter({"quiet": "true"}, queryset=Risk.objects.all(), today=TODAY).qs
    assert list(found) == ([risk] if quiet else [])
    others = RiskFilter({"quiet": "false"}, queryset=Risk.objects.all(), today=TODAY).qs
    assert list(others) == ([] if quiet else [risk])


def test_quiet_filter_without_a_date_asks_each_trains_clock(art, pi, rte):
    long_ago = make_risk(art, pi, rte, title="Long ago")
    Risk.objects.filter(pk=long_ago.pk).update(updated_at=datetime(2001, 1, 1, tzinfo=UTC))
    far_ahead = make_risk(art, pi, rte, title="Far ahead")
    Risk.objects.filter(pk=far_ahead.pk).update(updated_at=datetime(2999, 1, 1, tzinfo=UTC))
    assert list(RiskFilter({"quiet": "true"}, queryset=Risk.objects.all()).qs) == [long_ago]
    assert list(RiskFilter({"quiet": "false"}, queryset=Risk.objects.all()).qs) == [far_ahead]


# --- severity -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("probability", "impact", "severity", "band"),
    [
        (1, 1, 1, "low"),
        (2, 2, 4, "low"),
        (1, 5, 5, "medium"),
        (3, 3, 9, "medium"),
        (4, 3, 12, "high"),
        (5, 5, 25, "high"),
    ],
)
def test_severity_is_probability_times_impact(art, pi, rte, probability, impact, severity, band):
    risk = services.raise_risk(art, by=rte, pi=pi, title="Outage", probability=probability, impact=impact)
    assert (risk.severity, severity_band(risk.severity)) == (severity, band)


def test_severity_follows_an_edit(art, pi, rte):
    risk = make_risk(art, pi, rte)
    assert risk.severity == 12
    assert services.update_risk(risk, by=rte, expected_version=1, impact=5).severity == 15


@pytest.mark.parametrize(("field", "value"), [("probability", 0), ("probability", 6), ("impact", 0), ("impact", 6)])
def test_probability_and_impact_are_from_1_to_5(art, pi, rte, field, value):
    with pytest.raises(ValidationError) as refusal:
        services.raise_risk(art, by=rte, pi=pi, title="Outage", **{field: value})
    assert refusal.value.message_dict[field] == [f"{field.capitalize()} is from 1 to 5."]
    risk = make_risk(art, pi, rte)
    with pytest.raises(ValidationError):
        services.update_risk(risk, by=rte, expected_version=1, **{field: value})
    stored = Risk.objects.get(pk=risk.pk)
    assert (stored.probability, stored.impact, stored.version) == (3, 4, 1)
    assert Risk.objects.count() == 1


@pytest.mark.parametrize(
    ("band", "titles"),
    [
        ("low", ["Low"]),
        ("medium", ["Medium"]),
        ("high", ["High"]),
        ("12", ["High"]),
        ("5", ["High", "Medium"]),
        ("huge", []),
    ],
)
def test_severity_filter_by_band_or_lowest_value(art, pi, rte, band, titles):
    for title, probability, impact in (("Low", 2, 2), ("Medium", 1, 5), ("High", 4, 3)):
        services.raise_risk(art, by=rte, pi=pi, title=title, probability=probability, impact=impact)
    found = RiskFilter({"severity": band}, queryset=Risk.objects.all()).qs
    assert sorted(risk.title for risk in found) == titles


def test_team_filter_takes_an_id_or_the_whole_train(art, pi, rte, team, other_team):
    ours = make_risk(art, pi, rte, team=team, title="Ours")
    theirs = make_risk(art, pi, rte, team=other_team, title="Theirs")
    train = make_risk(art, pi, rte, title="Train")
    queryset = Risk.objects.all()
    assert list(RiskFilter({"team": str(team.pk)}, queryset=queryset).qs) == [ours]
    assert list(RiskFilter({"team": str(other_team.pk)}, queryset=queryset).qs) == [theirs]
    assert list(RiskFilter({"team": "art"}, queryset=queryset).qs) == [train]
    assert list(RiskFilter({"team": "nonsense"}, queryset=queryset).qs) == []


# --- who may do what ------------------------------------------------------------------------


def roams(name: str, scope: str) -> bool:
    return name in ROAM_ANYWHERE or (name in ROAM_OWN_TEAM and scope == "team")


@pytest.fixture
def scoped_team(request, team, other_team):
    return {"team": team, "other_team": other_team, "train": None}[request.param]


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_who_may_raise(art, pi, everyone, persona, request):
    name = request.node.callspec.params["persona"]
    if name in MEMBERS:
        risk = services.raise_risk(art, by=persona, pi=pi, title="Late API")
        assert (risk.state, risk.raised_by) == (State.UNROAMED, persona)
    else:
        with pytest.raises(PermissionDenied):
            services.raise_risk(art, by=as_user(persona), pi=pi, title="Late API")
        assert not Risk.objects.exists()


@pytest.mark.parametrize("scoped_team", ["team", "other_team", "train"], indirect=True)
@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("action", ["roam", "resolve", "edit"])
def test_who_may_roam_resolve_and_edit(art, pi, rte, everyone, persona, scoped_team, action, request):
    name = request.node.callspec.params["persona"]
    scope = request.node.callspec.params["scoped_team"]
    risk = make_risk(art, pi, rte, team=scoped_team)
    user = as_user(persona)
    allowed = roams(name, scope)
    assert services.can_roam(user, risk) is allowed
    assert services.can_edit_risk(user, risk) is allowed  # none of them raised it

    def act():
        if action == "roam":
            return services.roam_risk(risk, to=State.OWNED, by=user, expected_version=1, owner=rte)
        if action == "resolve":
            return services.roam_risk(risk, to=State.RESOLVED, by=user, expected_version=1)
        return services.update_risk(risk, by=user, expected_version=1, title="Renamed")

    if allowed:
        assert act().version == 2
    else:
        with pytest.raises(PermissionDenied):
            act()
        stored = Risk.objects.get(pk=risk.pk)
        assert (stored.state, stored.title, stored.version) == (State.UNROAMED, "Card provider may slip", 1)
        assert RiskChange.objects.filter(risk=risk).count() == 1


def test_whoever_raised_a_risk_may_correct_it_but_not_roam_it(art, pi, team, team_member, rte):
    risk = make_risk(art, pi, team_member, team=team)
    assert services.can_edit_risk(team_member, risk) and not services.can_roam(team_member, risk)
    assert services.update_risk(risk, by=team_member, expected_version=1, probability=5).severity == 20
    with pytest.raises(PermissionDenied):
        services.roam_risk(risk, to=State.RESOLVED, by=team_member, expected_version=2)
    assert Risk.objects.get(pk=risk.pk).state == State.UNROAMED


def test_handing_a_risk_to_another_team_needs_the_right_to_roam_it_there(art, pi, rte, scrum_master, team, other_team):
    risk = make_risk(art, pi, rte, team=team)
    with pytest.raises(PermissionDenied):
        services.update_risk(risk, by=scrum_master, expected_version=risk.version, team=other_team)
    with pytest.raises(PermissionDenied):
        services.update_risk(risk, by=scrum_master, expected_version=risk.version, team=None)
    risk.refresh_from_db()
    assert risk.team == team
    moved = services.update_risk(risk, by=rte, expected_version=risk.version, team=other_team)
    assert moved.team == other_team
