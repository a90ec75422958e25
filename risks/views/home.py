"""What risks and dependencies add to the cockpit of the train's home
(``artops.extensions.ART_HOME_FIGURES``, registered in ``RisksConfig.ready``).

For the running PI: the open dependencies planned too late (red), those open for over 30 days
(aging), the risks not ROAMed yet and those aging quietly. Each leads to the list or board
filtered to just what it counts. Two aggregate queries, whatever the size of the train.
"""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from artops.extensions import Figure
from artops.models import ART, ProgramIncrement
from planning.models import Health
from risks.filters import OPEN, bucket_key, quiet_condition
from risks.models import AGE_BUCKETS, QUIET_DAYS, Dependency, Risk, age_days, local_day
from risks.views.dependencies import list_url

# The oldest aging bucket (over 30 days) is the one the home counts.
AGING_LOW, AGING_HIGH = AGE_BUCKETS[-1][1], AGE_BUCKETS[-1][2]
AGING_KEY = bucket_key(AGING_LOW, AGING_HIGH)


def roam_url(art: ART, pi: ProgramIncrement, anchor: str = "", **query) -> str:
    url = reverse("roam_board", kwargs={"art_slug": art.slug})
    return f"{url}?{urlencode({'pi': pi.pk, **query})}{anchor}"


def dependency_figures(art: ART, pi: ProgramIncrement, now: datetime) -> list[Figure]:
    counts = (
        Dependency.objects.filter(art=art, pi=pi)
        .open()
        .alias(health_now=Health.expression(), age_now=age_days(now))
        .aggregate(
            red=Count("pk", filter=Q(health_now=Health.RED.value)),
            unplanned=Count("pk", filter=Q(health_now=Health.UNPLANNED.value)),
            aging=Count("pk", filter=Q(age_now__gte=AGING_LOW)),
        )
    )
    red, unplanned, aging = counts["red"], counts["unplanned"], counts["aging"]
    return [
        Figure(
            key="red-dependencies",
            label="Red dependencies",
            value=red,
            note=f"planned too late · {unplanned} not planned" if unplanned else "planned too late",
            url=list_url(art, pi=pi.pk, status=OPEN, health=Health.RED.value),
            tone="alert" if red else "",
            order=30,
        ),
        Figure(
            key="aging-dependencies",
            label="Aging dependencies",
            value=aging,
            note=f"open over {AGING_LOW - 1} days",
            url=list_url(art, pi=pi.pk, status=OPEN, age=AGING_KEY),
            tone="warn" if aging else "",
            order=35,
        ),
    ]


def risk_figures(art: ART, pi: ProgramIncrement, today: date) -> list[Figure]:
    counts = (
        Risk.objects.filter(art=art, pi=pi)
        .alias(quiet_since=local_day(F("updated_at")))
        .aggregate(
            unroamed=Count("pk", filter=Q(state=Risk.State.UNROAMED)),
            quiet=Count("pk", filter=quiet_condition(today)),
        )
    )
    unroamed, quiet = counts["unroamed"], counts["quiet"]
    return [
        Figure(
            key="unroamed-risks",
            label="Unroamed risks",
            value=unroamed,
            note="not yet resolved, owned, accepted or mitigated",
            url=roam_url(art, pi, f"#column-{Risk.State.UNROAMED.value}"),
            tone="alert" if unroamed else "",
            order=40,
        ),
        Figure(
            key="quiet-risks",
            label="Quiet risks",
            value=quiet,
            note=f"open, untouched for {QUIET_DAYS} days or more",
            url=roam_url(art, pi, quiet="true"),
            tone="warn" if quiet else "",
            order=45,
        ),
    ]


def home_figures(*, art: ART, pi: ProgramIncrement | None, today: date, now: datetime | None = None, **_) -> list:
    """Red and aging dependencies, unroamed and quiet risks of ``pi``: two queries."""
    if pi is None:
        return []
    return [*dependency_figures(art, pi, now or timezone.now()), *risk_figures(art, pi, today)]
