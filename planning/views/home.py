"""What PI Planning adds to the cockpit of the train's home (``artops.extensions.ART_HOME_FIGURES``,
registered in ``PlanningConfig.ready``).

- Readiness: how much of the checklist of the PI still to be planned is done, while that PI is
  being prepared or planned (the current one, else the next). One query.
- Confidence vote: the rounds open now, leading to the round (one) or to the vote page (several).
  One query.
"""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from artops.extensions import Figure
from artops.models import ART, ProgramIncrement
from planning.models import VoteRound
from planning.views.readiness import readiness_progress

BEFORE_PLANNING = (ProgramIncrement.State.PREPARING, ProgramIncrement.State.PLANNING)


def to_be_planned(pi: ProgramIncrement | None, next_pi: ProgramIncrement | None) -> ProgramIncrement | None:
    """The PI whose PI Planning is ahead: the current one while it is prepared or planned, else the next."""
    for candidate in (pi, next_pi):
        if candidate is not None and candidate.state in BEFORE_PLANNING:
            return candidate
    return None


def readiness_figure(art: ART, pi: ProgramIncrement) -> Figure:
    progress = readiness_progress([pi])[pi.pk]
    return Figure(
        key="readiness",
        label=f"Readiness for {pi.name}",
        value=f"{progress.percent}%",
        note=f"{progress.done} of {progress.total} items done" if progress.total else "no checklist yet",
        url=reverse("pi_readiness", kwargs={"art_slug": art.slug, "pi_id": pi.pk}),
        tone="" if progress.complete else "warn",
        order=20,
    )


def vote_figure(art: ART, pis: list[ProgramIncrement]) -> Figure | None:
    rounds = list(
        VoteRound.objects.filter(pi__in=pis, closed_at__isnull=True).select_related("pi", "team").order_by("opened_at")
    )
    if not rounds:
        return None
    first = rounds[0]
    if len(rounds) == 1:
        url = reverse("vote_round", kwargs={"art_slug": art.slug, "round_id": first.pk})
        note = f"for {first.scope_name}, {first.pi.name}"
    else:
        url = reverse("vote_home", kwargs={"art_slug": art.slug, "pi_id": first.pi_id})
        note = f"rounds open, {first.pi.name}"
    return Figure(
        key="vote", label="Confidence vote open", value=len(rounds), note=note, url=url, tone="warn", order=15
    )


def home_figures(
    *, art: ART, pi: ProgramIncrement | None, next_pi: ProgramIncrement | None = None, today: date, **_
) -> list[Figure]:
    """Readiness before PI Planning and an open confidence vote: two queries at most."""
    found: list[Figure] = []
    pis = [item for item in (pi, next_pi) if item is not None]
    if pis and (vote := vote_figure(art, pis)) is not None:
        found.append(vote)
    if (planned := to_be_planned(pi, next_pi)) is not None:
        found.append(readiness_figure(art, planned))
    return found
