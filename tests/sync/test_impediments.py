"""Impediments: raised by anyone on the train, escalated by those allowed for that level, resolved or dropped;
age, time to resolve and the list's filters."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from artops.services import StaleVersion
from sync import services
from sync.models import Impediment, ImpedimentEscalation
from tests.conftest import PERSONAS
from tests.sync.factories import ImpedimentFactory

pytestmark = pytest.mark.django_db

L = Impediment.Level


@pytest.fixture
def impediment(art, team, team_member):
    return ImpedimentFactory(art=art, team=team, raised_by=team_member)


def user_of(request, persona: str):
    return AnonymousUser() if persona == "anonymous" else request.getfixturevalue(persona)


def test_anyone_on_the_train_raises_an_impediment(art, team, team_member, scrum_master):
    with time_machine.travel("2026-10-14 09:00Z", tick=False):
        raised = services.raise_impediment(art, team=team, description=" No test data for PSD3 ", by=team_member)
    assert (raised.level, raised.state, raised.owner, raised.raised_by) == ("team", "open", team_member, team_member)
    assert raised.description == "No test data for PSD3"
    owned = services.raise_impediment(art, team=team, description="Flaky CI", by=team_member, owner=scrum_master)
    assert owned.owner == scrum_master


def test_raise_impediment_refusals_save_nothing(art, team, other_art, outsider, team_member):
    from tests.factories import TeamFactory

    with pytest.raises(ValidationError, match="Describe the impediment"):
        services.raise_impediment(art, team=team, description="  ", by=team_member)
    with pytest.raises(ValidationError, match="under 1000 characters"):
        services.raise_impediment(art, team=team, description="x" * 1001, by=team_member)
    with pytest.raises(ValidationError, match="Choose a team of this train"):
        services.raise_impediment(art, team=TeamFactory(art=other_art), description="Blocked", by=team_member)
    with pytest.raises(ValidationError, match="not a member of this train"):
        services.raise_impediment(art, team=team, description="Blocked", by=team_member, owner=outsider)
    with pytest.raises(PermissionDenied, match="Only members of this train raise impediments"):
        services.raise_impediment(art, team=team, description="Blocked", by=outsider)
    assert not Impediment.objects.exists()


# Who may escalate an impediment of ``team`` (the personas' own team) to each level.
TO_TRAIN = {"rte", "scrum_master", "product_owner"}
BEYOND = {"rte"}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("to", "allowed"), [(L.TRAIN, TO_TRAIN), (L.BEYOND, BEYOND)])
def test_escalation_matrix(persona, to, allowed, request, impediment, everyone, outsider):
    user = user_of(request, persona)
    if persona in allowed:
        escalated = services.escalate_impediment(impediment, to=to, by=user, expected_version=1)
        assert (escalated.level, escalated.version) == (to, 2)
        assert escalated.escalations.get().by == user
    else:
        with pytest.raises(PermissionDenied, match=r"escalates? (its impediment|an impediment)"):
            services.escalate_impediment(impediment, to=to, by=user, expected_version=1)
        impediment.refresh_from_db()
        assert (impediment.level, impediment.version) == ("team", 1)
        assert not ImpedimentEscalation.objects.exists()


def test_scrum_master_of_another_team_may_not_escalate(art, other_team, scrum_master, team_member):
    theirs = ImpedimentFactory(art=art, team=other_team, raised_by=team_member)
    with pytest.raises(PermissionDenied, match="Only the team's Scrum Master and Product Owner"):
        services.escalate_impediment(theirs, to=L.TRAIN, by=scrum_master, expected_version=1)


def test_escalation_goes_upwards_with_its_history(impediment, scrum_master, rte):
    with time_machine.travel("2026-10-14 09:00Z", tick=False):
        services.escalate_impediment(impediment, to=L.TRAIN, by=scrum_master, expected_version=1, note="Need help")
    with time_machine.travel("2026-10-16 09:00Z", tick=False):
        beyond = services.escalate_impediment(impediment, to=L.BEYOND, by=rte, expected_version=2)
    history = [(e.from_level, e.to_level, e.by, e.at.day, e.note) for e in beyond.escalations.all()]
    assert history == [("team", "train", scrum_master, 14, "Need help"), ("train", "beyond", rte, 16, "")]
    with pytest.raises(ValidationError, match="escalated upwards only"):
        services.escalate_impediment(beyond, to=L.TRAIN, by=rte, expected_version=3)
    with pytest.raises(ValidationError, match="to the train or beyond the train"):
        services.escalate_impediment(beyond, to=L.TEAM, by=rte, expected_version=3)
    assert ImpedimentEscalation.objects.count() == 2


def test_escalate_stale_and_closed(impediment, scrum_master):
    with pytest.raises(StaleVersion):
        services.escalate_impediment(impediment, to=L.TRAIN, by=scrum_master, expected_version=2)
    resolved = services.resolve_impediment(impediment, resolution="Gone", by=scrum_master, expected_version=1)
    with pytest.raises(ValidationError, match="is resolved: it is not escalated"):
        services.escalate_impediment(resolved, to=L.TRAIN, by=scrum_master, expected_version=2)


def test_can_escalate_answers_for_the_pages(impediment, scrum_master, rte, team_member):
    assert services.can_escalate(scrum_master, impediment, L.TRAIN)
    assert not services.can_escalate(scrum_master, impediment, L.BEYOND)
    assert services.can_escalate(rte, impediment, L.BEYOND)
    assert not services.can_escalate(team_member, impediment, L.TRAIN)
    assert not services.can_escalate(rte, impediment, L.TEAM)


def test_resolve_and_time_to_resolve(art, impediment, team_member, product_owner):
    raised = datetime(2026, 10, 6, 8, tzinfo=UTC)
    Impediment.objects.filter(pk=impediment.pk).update(raised_at=raised)
    impediment.refresh_from_db()
    # The one who raised it owns it and may resolve it.
    with time_machine.travel("2026-10-09 14:00Z", tick=False):
        resolved = services.resolve_impediment(
            impediment, resolution=" Test data copied from prod ", by=team_member, expected_version=1
        )
    assert (resolved.state, resolved.resolution) == ("resolved", "Test data copied from prod")
    assert resolved.time_to_resolve == timedelta(days=3, hours=6)
    assert resolved.age(date(2026, 12, 1)) == 3
    with pytest.raises(ValidationError, match="already resolved"):
        services.drop_impediment(resolved, reason="x", by=product_owner, expected_version=2)


def test_close_refusals(art, impediment, other_team, business_owner, scrum_master, product_owner):
    with pytest.raises(PermissionDenied, match="Only the impediment's owner"):
        services.resolve_impediment(impediment, resolution="Done", by=business_owner, expected_version=1)
    with pytest.raises(ValidationError, match="Say how it was resolved"):
        services.resolve_impediment(impediment, resolution=" ", by=scrum_master, expected_version=1)
    with pytest.raises(ValidationError, match="Say why it is dropped"):
        services.drop_impediment(impediment, reason="", by=scrum_master, expected_version=1)
    impediment.refresh_from_db()
    assert (impediment.state, impediment.version) == ("open", 1)
    dropped = services.drop_impediment(impediment, reason="The feature was cut", by=product_owner, expected_version=1)
    assert (dropped.state, dropped.time_to_resolve) == ("dropped", None)


def test_list_filters_and_aging(art, team, other_team, team_member):
    def raised(day, **fields):
        return ImpedimentFactory(
            art=art,
            team=fields.pop("team", team),
            raised_by=team_member,
            raised_at=datetime(2026, 10, day, 9, tzinfo=UTC),
            **fields,
        )

    old = raised(1)
    escalated = raised(5, level=L.TRAIN, team=other_team)
    beyond = raised(9, level=L.BEYOND)
    raised(3, state="resolved", resolution="Done", resolved_at=datetime(2026, 10, 4, tzinfo=UTC))
    today = date(2026, 10, 20)

    assert list(Impediment.objects.for_art(art).open().oldest_first()) == [old, escalated, beyond]
    assert list(Impediment.objects.open().escalated()) == [escalated, beyond]
    assert list(Impediment.objects.open().at_level(L.TEAM)) == [old]
    assert list(Impediment.objects.for_team(other_team)) == [escalated]
    fourteen_days_ago = datetime(2026, 10, 6, tzinfo=art.tz)
    assert list(Impediment.objects.open().raised_before(fourteen_days_ago)) == [old, escalated]
    assert [i.age(today) for i in (old, escalated, beyond)] == [19, 15, 11]


def test_visible_to_members_only(art, impediment, rte, outsider):
    assert list(Impediment.objects.visible_to(rte)) == [impediment]
    assert not Impediment.objects.visible_to(outsider).exists()
    assert not Impediment.objects.visible_to(AnonymousUser()).exists()
