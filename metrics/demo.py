"""The demo train's history, so that trends, the cumulative flow and the forecast have something to show.

Called by ``manage.py seed_demo`` after the other apps' demos. On the first run it:

- dates the moves of the demo's features back to when they would have happened (the
  closed PI's features flowed through it, the current PI's started in its first days), and
  the objectives' business value to PI Planning and to the System Demos that assessed them;
- adds ``HISTORY_PIS`` closed PIs before the demo's first one (a year of history with it),
  each with the features the train accepted in it (their moves dated through the PI),
  every team's objectives with planned and actual business value, assessed System Demo by
  System Demo, and the dependencies between teams, raised and delivered on their days;
- computes the daily snapshots of every day from the first of those PIs to yesterday with
  the nightly services, from that dated history: nothing in the snapshots is made up.

Later runs compute only the days that have ended since the last snapshot: running it again
changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from artops import services as core
from artops.demo import _pi_name
from artops.models import ART, Iteration, ProgramIncrement, Team, User
from metrics import services
from metrics.ia import demo as ia_demo
from metrics.models import TrainSnapshot
from planning.models import Feature, FeatureCounter, FeatureStateChange, ObjectiveChange, PIObjective, key_prefix
from risks.models import Dependency

HISTORY_PIS = 4
S = Feature.State
B, E = Feature.Type.BUSINESS, Feature.Type.ENABLER

# What the train accepted in each earlier PI, oldest first: (title, type, job size, flow days).
HISTORY = [
    [
        ("Card payments in the new checkout", B, 8, 18),
        ("Merchant onboarding API", B, 5, 12),
        ("Payment events on a message bus", E, 8, 25),
        ("Refunds for card payments", B, 3, 9),
        ("PCI DSS 4.0 evidence collection", E, 5, 21),
        ("Payout scheduling for merchants", B, 5, 15),
    ],
    [
        ("SEPA direct debit mandates", B, 8, 20),
        ("Fraud rules engine v1", B, 13, 30),
        ("Blue-green deployments for payments", E, 5, 11),
        ("Merchant statements as PDF", B, 3, 7),
        ("Chargeback notifications", B, 3, 10),
        ("Ledger double-entry checks", E, 5, 16),
        ("Wallet balance API", B, 5, 13),
    ],
    [
        ("Apple Pay on the web", B, 5, 14),
        ("Google Pay in the app", B, 5, 12),
        ("Payout batching to cut fees", B, 8, 19),
        ("Feature flags for the checkout", E, 3, 6),
        ("Velocity checks against card testing", B, 5, 17),
        ("Audit trail for ledger corrections", E, 3, 9),
    ],
    [
        ("Multi-currency wallets", B, 13, 27),
        ("Instant refunds to wallets", B, 5, 11),
        ("Settlement reconciliation job", E, 8, 22),
        ("Merchant API keys self-service", B, 3, 8),
        ("Dispute case management", B, 8, 20),
        ("Capacity tests for peak season", E, 5, 14),
        ("3-D Secure exemptions", B, 5, 12),
    ],
]

# Each team's objectives of an earlier PI: (statement, committed, planned value).
OBJECTIVES = [
    ("Deliver the PI's top feature to production", True, 9),
    ("Cut the team's open defects by half", True, 6),
    ("Stretch: a proof of concept for the next PI", False, 4),
]
# Per team, PI after PI: how much each committed objective fell short, and what the stretch one earned.
# Most teams land in the 80–100% band; Wallet struggles, Fraud Shield overdelivers once.
OUTCOMES = {
    "Ledger": [(1, 1, 1), (0, 2, 2), (1, 0, 0), (2, 1, 3)],
    "Checkout": [(2, 2, 0), (1, 1, 2), (0, 2, 1), (1, 0, 0)],
    "Fraud Shield": [(0, 1, 2), (0, 0, 4), (1, 1, 1), (0, 2, 2)],
    "Payouts": [(1, 0, 0), (2, 1, 2), (0, 1, 0), (1, 1, 3)],
    "Wallet": [(4, 2, 0), (3, 3, 1), (2, 2, 0), (2, 1, 2)],
    "Platform": [(0, 1, 0), (1, 1, 3), (1, 2, 2), (0, 0, 1)],
}
# Dependencies between teams in each earlier PI: (needing, providing, days after the PI's start, days open).
DEPENDENCIES = [
    ("Checkout", "Platform", 1, 12),
    ("Payouts", "Ledger", 3, 20),
    ("Wallet", "Checkout", 8, 9),
    ("Fraud Shield", "Platform", 10, 34),
    ("Ledger", "Platform", 15, 6),
    ("Checkout", "Fraud Shield", 22, 17),
    ("Wallet", "Ledger", 29, 25),
    ("Payouts", "Fraud Shield", 36, 11),
]


def seed_demo(art: ART, today: date) -> None:
    yesterday = today - timedelta(days=1)
    last = TrainSnapshot.objects.filter(art=art).order_by("-day").values_list("day", flat=True).first()
    if last is None:
        _date_the_demo_back(art, today)
        first = _seed_history(art, today)
        services.recompute_days([art], max(first, today - timedelta(days=366)), yesterday)
    elif last < yesterday:
        services.recompute_days([art], last + timedelta(days=1), yesterday)
    ia_demo.seed_demo(art, today)


def _at(art: ART, day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=art.tz)


# --- the demo's own features and objectives, dated back --------------------------------------------


def _date_the_demo_back(art: ART, today: date) -> None:
    """Give the demo's moves and business value the dates they would have had, not the seeding's."""
    pis = list(ProgramIncrement.objects.for_art(art).order_by("start_date"))
    features = list(Feature.objects.for_art(art).select_related("pi").order_by("key"))
    moves = list(FeatureStateChange.objects.filter(feature__art=art).order_by("feature_id", "at", "id"))
    by_feature: dict[int, list[FeatureStateChange]] = {}
    for move in moves:
        by_feature.setdefault(move.feature_id, []).append(move)
    for index, feature in enumerate(features):
        days = _move_days(feature, index, today)
        feature_moves = by_feature.get(feature.pk, [])
        for step, move in enumerate(feature_moves):
            move.at = _at(art, days.get(move.to_state, today - timedelta(days=1)), 10, step)
        if feature_moves:
            feature.created_at = feature_moves[0].at
    FeatureStateChange.objects.bulk_update(moves, ["at"])
    Feature.objects.bulk_update(features, ["created_at"])

    for pi in pis:
        planning_day = pi.start_date - timedelta(days=1)
        objectives = PIObjective.objects.filter(pi=pi, team__art=art)
        objectives.update(created_at=_at(art, planning_day, 16))
        ObjectiveChange.objects.filter(objective__in=objectives).exclude(field=ObjectiveChange.Field.ACTUAL_BV).update(
            at=_at(art, planning_day, 17)
        )
        demos = list(Iteration.objects.filter(pi=pi, is_ip=False).order_by("number").values_list("end_date", flat=True))
        assessed = ObjectiveChange.objects.filter(objective__in=objectives, field=ObjectiveChange.Field.ACTUAL_BV)
        for index, change in enumerate(assessed.order_by("objective_id")):
            # Assessed at a System Demo: the later objectives at the later demos, all by the last one.
            day = min(demos[min(index % len(demos) + 1, len(demos) - 1)], today - timedelta(days=1))
            ObjectiveChange.objects.filter(pk=change.pk).update(at=_at(art, day, 15))


def _move_days(feature: Feature, index: int, today: date) -> dict[str, date]:
    """The day of each move of a demo feature, by the state it moved to."""
    latest = today - timedelta(days=1)
    pi = feature.pi
    if pi is None or pi.start_date > today:
        # Still being refined: arrived in the last two months.
        funnel = today - timedelta(days=60 - index)
        return {S.FUNNEL: funnel, S.ANALYZING: min(funnel + timedelta(days=20), latest), S.BACKLOG: latest}
    funnel = pi.start_date - timedelta(days=35 - index % 7)
    started = min(pi.start_date + timedelta(days=index % 6 * 2), latest)
    validating = min(started + timedelta(days=10 + index % 5 * 3), latest)
    return {
        S.FUNNEL: funnel,
        S.ANALYZING: funnel + timedelta(days=4),
        S.BACKLOG: funnel + timedelta(days=14),
        S.IMPLEMENTING: started,
        S.VALIDATING: validating,
        S.DONE: min(validating + timedelta(days=2), latest),
        S.CANCELLED: min(pi.start_date + timedelta(days=20), latest),
    }


# --- the earlier PIs --------------------------------------------------------------------------------


def _seed_history(art: ART, today: date) -> date:
    """The closed PIs before the demo's first one, with what was accepted and assessed in them. Returns
    the first day of the history."""
    rte = User.objects.get(email="rte@payments.example")
    first = ProgramIncrement.objects.for_art(art).order_by("start_date").first()
    length = first.end_date - first.start_date + timedelta(days=1)
    teams = list(Team.objects.for_art(art).order_by("name"))
    pis = []
    for back in range(HISTORY_PIS, 0, -1):
        start = first.start_date - length * back
        pi = core.create_pi(art, name=_pi_name(start), start_date=start, by=rte)
        for state in (ProgramIncrement.State.PLANNING, ProgramIncrement.State.EXECUTING, ProgramIncrement.State.CLOSED):
            pi = core.advance_pi(pi, to=state, by=rte)
        pis.append(pi)
    for number, (pi, accepted) in enumerate(zip(pis, HISTORY, strict=True)):
        _seed_accepted(art, pi, accepted)
        _seed_objectives(art, pi, teams, number)
        _seed_dependencies(art, pi, {team.name: team for team in teams}, owner=rte)
    return pis[0].start_date


def _seed_accepted(art: ART, pi: ProgramIncrement, accepted: list) -> None:
    """The features accepted in ``pi``, with every move dated through the PI."""
    counter, _ = FeatureCounter.objects.get_or_create(art=art)
    prefix, number = key_prefix(art), counter.last_number
    features, moves = [], []
    for index, (title, kind, size, flow_days) in enumerate(accepted):
        number += 1
        funnel = pi.start_date - timedelta(days=30 - index)
        started = pi.start_date + timedelta(days=3 + index * 7)
        days = [
            (S.FUNNEL, funnel),
            (S.ANALYZING, funnel + timedelta(days=5)),
            (S.BACKLOG, funnel + timedelta(days=15)),
            (S.IMPLEMENTING, started),
            (S.VALIDATING, started + timedelta(days=flow_days - 2)),
            (S.DONE, started + timedelta(days=flow_days)),
        ]
        feature = Feature(
            art=art,
            key=f"{prefix}-{number}",
            title=title,
            type=kind,
            state=S.DONE,
            pi=pi,
            job_size=size,
            user_business_value=size,
            time_criticality=3,
            risk_reduction=5 if kind == E else 2,
        )
        features.append((feature, days))
    FeatureCounter.objects.filter(art=art).update(last_number=number)
    created = Feature.objects.bulk_create([feature for feature, _ in features])
    for feature, (_, days) in zip(created, features, strict=True):
        previous = ""
        for step, (state, day) in enumerate(days):
            moves.append(
                FeatureStateChange(feature=feature, from_state=previous, to_state=state, at=_at(art, day, 10, step))
            )
            previous = state
        feature.created_at = moves[-len(days)].at
    FeatureStateChange.objects.bulk_create(moves)
    Feature.objects.bulk_update(created, ["created_at"])


def _seed_objectives(art: ART, pi: ProgramIncrement, teams: list[Team], number: int) -> None:
    """Every team's objectives of ``pi``: planned at PI Planning, assessed at the System Demos."""
    demos = list(Iteration.objects.filter(pi=pi, is_ip=False).order_by("number").values_list("end_date", flat=True))
    planning_day = pi.start_date - timedelta(days=1)
    rows = []
    for team in teams:
        outcome = OUTCOMES.get(team.name, [(1, 1, 1)] * HISTORY_PIS)[number]
        for index, (statement, committed, planned) in enumerate(OBJECTIVES):
            actual = max(0, planned - outcome[index]) if committed else outcome[index]
            rows.append((team, index, statement, committed, planned, actual))
    objectives = PIObjective.objects.bulk_create(
        PIObjective(
            team=team,
            pi=pi,
            statement=statement,
            committed=committed,
            planned_business_value=planned,
            actual_business_value=actual,
        )
        for team, _, statement, committed, planned, actual in rows
    )
    PIObjective.objects.filter(pk__in=[o.pk for o in objectives]).update(created_at=_at(art, planning_day, 16))
    changes = []
    for objective, (_, index, _, _, planned, actual) in zip(objectives, rows, strict=True):
        changes += [
            ObjectiveChange(
                objective=objective,
                field=ObjectiveChange.Field.PLANNED_BV,
                old_value="",
                new_value=str(planned),
                at=_at(art, planning_day, 17),
            ),
            ObjectiveChange(
                objective=objective,
                field=ObjectiveChange.Field.ACTUAL_BV,
                old_value="",
                new_value=str(actual),
                at=_at(art, demos[index + 1 if index + 1 < len(demos) else -1], 15),
            ),
        ]
    ObjectiveChange.objects.bulk_create(changes)


def _seed_dependencies(art: ART, pi: ProgramIncrement, teams: dict[str, Team], *, owner: User) -> None:
    """The dependencies between teams in ``pi``, each raised and delivered on its day."""
    iterations = list(Iteration.objects.filter(pi=pi, is_ip=False).order_by("number"))
    rows = []
    for needing, providing, raised, days_open in DEPENDENCIES:
        needed_by = next((it for it in iterations if it.end_date >= pi.start_date + timedelta(days=raised + 14)), None)
        rows.append(
            Dependency(
                art=art,
                pi=pi,
                needing_team=teams[needing],
                providing_team=teams[providing],
                description=f"{providing} provides an interface {needing} needs",
                needed_by=needed_by or iterations[-1],
                planned_iteration=needed_by or iterations[-1],
                owner=owner,
                state=Dependency.State.DELIVERED,
                created_at=_at(art, pi.start_date + timedelta(days=raised), 11),
                closed_at=_at(art, pi.start_date + timedelta(days=raised + days_open), 14),
            )
        )
    Dependency.objects.bulk_create(rows)
