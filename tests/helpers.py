"""Small helpers shared by the tests: URLs of a train, the status a persona should get, logging in,
counting queries, and filling a train with a plan of a given size."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planning.models import Feature, FeaturePlacement, Milestone
from risks.models import Dependency
from tests.factories import RAISED_AT, TeamFactory

HTMX = {"HX-Request": "true"}


def url(name: str, art, **kwargs) -> str:
    """The URL of a page of ``art``."""
    return reverse(name, kwargs={"art_slug": art.slug, **kwargs})


def expected(persona: str, allowed: bool, ok: int = 200) -> int:
    """What a page answers: anonymous people log in first, outsiders find nothing, roles without the right 403."""
    if persona == "anonymous":
        return 302
    if persona == "outsider":
        return 404
    return ok if allowed else 403


def login(client, persona):
    """``client`` logged in as ``persona`` (None: anonymous)."""
    if persona is not None:
        client.force_login(persona)
    return client


def count_queries(call, *args, **kwargs) -> tuple[int, object]:
    """(number of SQL queries, result) of ``call(*args, **kwargs)``."""
    with CaptureQueriesContext(connection) as queries:
        result = call(*args, **kwargs)
    return len(queries), result


def fill_program_board(art, pi, owner, size: int) -> None:
    """``size`` features each placed by one of six teams, a dependency per three features, two milestones."""
    teams = [TeamFactory(art=art, name=f"Team {index}") for index in range(6)]
    iterations = list(pi.iterations.development())
    start = Feature.objects.filter(art=art).count()
    features = Feature.objects.bulk_create(
        Feature(
            art=art,
            pi=pi,
            key=f"BIG-{start + index}",
            title=f"Feature {index}",
            type=Feature.Type.ENABLER if index % 4 == 0 else Feature.Type.BUSINESS,
        )
        for index in range(size)
    )
    FeaturePlacement.objects.bulk_create(
        FeaturePlacement(feature=feature, team=teams[index % 6], iteration=iterations[index % 4])
        for index, feature in enumerate(features)
    )
    Dependency.objects.bulk_create(
        Dependency(
            art=art,
            pi=pi,
            needing_team=teams[index % 6],
            providing_team=teams[(index + 1) % 6] if index % 5 else None,
            external_party="" if index % 5 else f"Vendor {index % 3}",
            needing_feature=features[index],
            providing_feature=features[index + 1] if index % 5 else None,
            needed_by=iterations[index % 4],
            planned_iteration=iterations[(index + 1) % 4] if index % 2 else None,
            description=f"Dependency {index}",
            owner=owner,
            created_at=RAISED_AT,
        )
        for index in range(0, size - 1, 3)
    )
    Milestone.objects.bulk_create(
        [
            Milestone(pi=pi, name="Release", date=iterations[1].start_date),
            Milestone(pi=pi, name="Audit", date=iterations[3].end_date),
        ]
    )
