"""Small helpers shared by the API tests: a client per persona, URLs, the status a persona should get,
the messages of a refusal, and the data that the query-count tests grow."""

from datetime import UTC, datetime

from django.urls import reverse
from rest_framework.test import APIClient

from artops.models import Role
from planning import services
from planning.models import FeaturePlacement, Milestone, ObjectiveChange, ReadinessItem, TeamCapacity
from risks.models import Dependency
from tests.conftest import make_member
from tests.factories import TeamFactory
from tests.planning.factories import (
    CapacityFactory,
    FeatureFactory,
    ObjectiveFactory,
    PlacementFactory,
    StoryFactory,
)

RAISED_AT = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)

# What the API asks an anonymous caller for (TokenAuthentication comes first in the settings).
AUTHENTICATE = "Token"


def client_for(user) -> APIClient:
    """A client logged in (by session, as a browser would be) as ``user``; anonymous for None."""
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def api_url(kind: str, obj=None, action: str = "") -> str:
    """The URL of the ``api-<kind>`` endpoints: the list, a list action, an object or an object's action."""
    if obj is None:
        return reverse(f"api-{kind}-{action or 'list'}")
    return reverse(f"api-{kind}-{action or 'detail'}", kwargs={"pk": obj.pk})


def persona_name(request) -> str:
    return request.node.callspec.params["persona"]


def expected(name: str, allowed: bool, ok: int = 200, *, outsider: int = 404) -> int:
    """The status a persona gets: anonymous 401; an outsider sees nothing of the train (404, or
    400 for ids in a payload); a member ``ok``, or 403 without the right."""
    if name == "anonymous":
        return 401
    if name == "outsider":
        return outsider
    return ok if allowed else 403


def api_status(response) -> int:
    """The status of an API answer. A 401 must say how to authenticate (``WWW-Authenticate``), as
    the API's does: a 401 without it, or a 403 in its place, is not the API's answer to anonymity."""
    if response.status_code == 401:
        assert response.get("WWW-Authenticate") == AUTHENTICATE, response.headers
    return response.status_code


def assert_unauthenticated(response) -> None:
    """The API's answer to a caller who is not logged in: 401 with ``WWW-Authenticate``."""
    assert api_status(response) == 401, response.content


def messages(response) -> str:
    """Every message of a 4xx body, flattened, to look for the words a person reads."""

    def flatten(value) -> list[str]:
        if isinstance(value, dict):
            return [text for item in value.values() for text in flatten(item)]
        if isinstance(value, list):
            return [text for item in value for text in flatten(item)]
        return [str(value)]

    return " ".join(flatten(response.json()))


def placement_unchanged(placement: FeaturePlacement, development) -> bool:
    """Whether a card made in the first iteration is still there, at its first version."""
    placement.refresh_from_db()
    return (placement.iteration, placement.version) == (development[0], 1)


def make_dependency(pi, *, needing_team, needed_by, owner, **fields) -> Dependency:
    """An open dependency written directly (no capability check)."""
    fields.setdefault("description", "An API to call")
    return Dependency.objects.create(
        art=pi.art, pi=pi, needing_team=needing_team, needed_by=needed_by, owner=owner, created_at=RAISED_AT, **fields
    )


# --- data for the query counts, at two sizes -------------------------------------------------------


def grow_plan(art, pi, teams, development, number: int, people) -> None:
    """``number`` rows of each kind, spread over teams, iterations, features, owners and history."""
    for index in range(number):
        team = teams[index % len(teams)]
        iteration = development[index % len(development)]
        feature = FeatureFactory(art=art, pi=pi)
        StoryFactory(team=team, pi=pi, iteration=iteration, feature=feature, owner=people[index % len(people)])
        StoryFactory(team=team, pi=pi, iteration=None)
        if not TeamCapacity.objects.filter(team=team, iteration=iteration).exists():
            CapacityFactory(team=team, iteration=iteration)
        PlacementFactory(feature=feature, team=team, iteration=iteration)
        objective = ObjectiveFactory(team=team, pi=pi, planned_business_value=1 + index % 10)
        objective.features.set([feature, FeatureFactory(art=art, pi=pi)])
        ObjectiveChange.objects.create(objective=objective, field="created", at=objective.created_at, by=people[0])


def grow_board(art, pi, development, owner, *, teams: int, features: int, dependencies: int) -> None:
    """A program board: ``features`` cards over ``teams`` new teams, ``dependencies`` lines, and milestones."""
    crew = [TeamFactory(art=art) for _ in range(teams)]
    placements = []
    for index in range(features):
        feature = FeatureFactory(art=art, pi=pi, type="enabler" if index % 4 == 0 else "business")
        team = crew[index % len(crew)]
        placements.append(PlacementFactory(feature=feature, team=team, iteration=development[index % len(development)]))
    for index in range(dependencies):
        needing = placements[index % len(placements)]
        providing = placements[(index + 1) % len(placements)]
        provider = (
            {"external_party": f"Vendor {index % 3}"}
            if index % 5 == 0 or providing.team == needing.team
            else {"providing_team": providing.team, "providing_feature": providing.feature}
        )
        make_dependency(
            pi,
            needing_team=needing.team,
            needing_feature=needing.feature,
            needed_by=development[index % 3],
            owner=owner,
            **provider,
        )
    for index in range(features // 10 + 1):
        Milestone.objects.create(pi=pi, name=f"Milestone {index}", date=development[index % 4].start_date)


def grow_lists(art, pi, development, rte, number: int) -> None:
    """``number`` milestones, checklist items and vote rounds (each with votes and concerns)."""
    teams = [TeamFactory(art=art) for _ in range(number)]
    people = [make_member(art, Role.TEAM_MEMBER, teams[index % number]) for index in range(number * 2)]
    for index in range(number):
        Milestone.objects.create(pi=pi, name=f"Milestone {index}", date=development[index % 4].start_date)
        ReadinessItem.objects.create(pi=pi, title=f"Item {index} {pi.pk}", owner=people[index])
        vote_round = services.open_vote(pi, by=rte, team=teams[index])
        for voter in people:
            if voter.memberships.filter(team=teams[index]).exists():
                services.cast_vote(vote_round, by=voter, value=1 + index % 5, concern="A worry")
