"""The demo train's PI Planning: its backlog, the teams' plans and their PI objectives.

- About forty features and enablers across the funnel and the PIs.
- For the PI running today: every team's capacity per iteration, feature placements and the
  stories behind them (Checkout is overloaded in Iteration 3, and Fraud Shield has a story
  later than its placement), and PI objectives with the Business Owners' planned value.
- For the closed PI: objectives with planned and actual business value, so predictability
  has history.
- PI Planning itself: milestones, the confidence votes (Checkout re-planned once), the plan
  committed at the end (Wallet has since moved a card) and the readiness checklists.

Called by ``manage.py seed_demo`` after the core demo. Each part adds nothing when its data
already exists, so running it again changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from artops.models import ART, Iteration, Membership, ProgramIncrement, Team, User
from planning import services
from planning.models import (
    Feature,
    FeaturePlacement,
    Milestone,
    PIObjective,
    PlanBaseline,
    ReadinessItem,
    Story,
    VoteRound,
)

B, E = Feature.Type.BUSINESS, Feature.Type.ENABLER

# (title, type, user-business value, time criticality, risk reduction, job size, where, state path)
# where: "closed" (the closed PI), "current", "next" or None (not yet planned).
BACKLOG = [
    ("Instant payouts to debit cards", B, 13, 8, 5, 8, "current", "implementing"),
    ("PSD3 strong customer authentication", B, 20, 20, 8, 13, "current", "implementing"),
    ("Ledger event sourcing", E, 5, 3, 13, 8, "current", "implementing"),
    ("Wallet top-up with Apple Pay", B, 8, 5, 2, 5, "current", "validating"),
    ("Fraud model retraining pipeline", E, 3, 5, 8, 3, "current", "implementing"),
    ("Chargeback self-service for merchants", B, 8, 3, 3, 5, "current", "backlog"),
    ("Multi-currency settlement reports", B, 5, 3, 2, 8, "current", "backlog"),
    ("Card tokenisation service v2", E, 5, 8, 13, 13, "current", "implementing"),
    ("Payout status webhooks", B, 8, 5, 3, 3, "current", "done"),
    ("Observability for payment flows", E, 3, 3, 13, 5, "current", "implementing"),
    ("Refunds in the mobile app", B, 13, 5, 2, 5, "current", "backlog"),
    ("Sanctions screening at onboarding", B, 8, 13, 13, 8, "current", "implementing"),
    ("Split payments for marketplaces", B, 13, 3, 5, 13, "next", "backlog"),
    ("Open banking account-to-account payments", B, 20, 8, 5, 20, "next", "backlog"),
    ("Migrate ledger to PostgreSQL 17", E, 2, 5, 13, 8, "next", "backlog"),
    ("Dispute evidence upload", B, 5, 3, 2, 3, "next", "backlog"),
    ("Rate limiting for the public API", E, 3, 8, 8, 3, "next", "backlog"),
    ("Recurring payments for subscriptions", B, 13, 8, 3, 8, "next", "backlog"),
    ("Merchant risk scoring", B, 8, 5, 8, 8, "next", "analyzing"),
    ("Tax reporting export (DAC7)", B, 5, 13, 8, 5, "next", "backlog"),
    ("Contract tests between payment services", E, 2, 3, 8, 2, "next", "backlog"),
    ("Buy now, pay later checkout option", B, 20, 5, 3, 20, None, "analyzing"),
    ("Crypto off-ramp pilot", B, 3, 2, 1, 13, None, "funnel"),
    ("Smart retries for failed card payments", B, 8, 5, 5, 5, None, "analyzing"),
    ("Real-time balance notifications", B, 5, 3, 1, 3, None, "funnel"),
    ("Zero-downtime database migrations", E, 2, 3, 13, 8, None, "analyzing"),
    ("Merchant onboarding in under a day", B, 13, 8, 5, 13, None, "funnel"),
    ("Payment links by email and SMS", B, 8, 3, 2, 3, None, "funnel"),
    ("Secrets rotation for payment keys", E, 1, 8, 13, 3, None, "analyzing"),
    ("Loyalty points at checkout", B, 5, 2, 1, 8, None, "funnel"),
    ("Accessibility review of the checkout", B, 5, 5, 3, 2, None, "funnel"),
    ("Regional data residency (EU)", E, 5, 13, 13, 13, None, "funnel"),
    ("Invoice financing for merchants", B, 8, 2, 3, 20, None, "funnel"),
    ("Automated reconciliation with banks", B, 13, 5, 8, 8, None, "analyzing"),
    ("Load test harness for peak season", E, 3, 13, 8, 5, None, "analyzing"),
    # Delivered in the closed PI.
    ("SEPA Instant credit transfers", B, 20, 13, 5, 13, "closed", "done"),
    ("3-D Secure 2.2 upgrade", B, 13, 20, 8, 8, "closed", "done"),
    ("Payment orchestration layer", E, 5, 5, 13, 13, "closed", "done"),
    ("Merchant dashboard v1", B, 8, 5, 2, 8, "closed", "done"),
    ("Legacy card gateway shutdown", E, 2, 3, 8, 5, "closed", "cancelled"),
]


def seed_demo(art: ART, today: date) -> None:
    pis = list(ProgramIncrement.objects.for_art(art).order_by("start_date"))
    current = next((pi for pi in pis if pi.contains(today)), pis[-1])
    where = {
        "current": current,
        "closed": next((pi for pi in reversed(pis) if pi.end_date < current.start_date), None),
        "next": next((pi for pi in pis if pi.start_date > current.end_date), None),
        None: None,
    }
    if not Feature.objects.filter(art=art).exists():
        _seed_backlog(art, where)
    teams = {team.name: team for team in Team.objects.for_art(art)}
    rte = User.objects.get(email="rte@payments.example")
    # The plans fit the backlog's current PI; when time has moved on to a later PI, they stay where they were.
    planned_here = set(Feature.objects.filter(pi=current).values_list("title", flat=True))
    backlog_is_here = set(PLACEMENTS) <= planned_here
    if backlog_is_here and not Story.objects.filter(pi=current).exists():
        _seed_team_plans(art, current, teams, today, by=rte)
    if backlog_is_here and not Milestone.objects.filter(pi=current).exists():
        _seed_milestones(current)
    business_owner = User.objects.get(email="bo@payments.example")
    for pi, objectives in ((current, CURRENT_OBJECTIVES), (where["closed"], CLOSED_OBJECTIVES)):
        if backlog_is_here and pi is not None and not PIObjective.objects.filter(pi=pi).exists():
            _seed_objectives(art, pi, teams, objectives, by=rte, business_owner=business_owner)
    if backlog_is_here and not VoteRound.objects.filter(pi=current).exists():
        _seed_votes(art, current, teams, by=rte)
    if backlog_is_here and not PlanBaseline.objects.filter(pi=current).exists():
        _seed_committed_plan(current, teams, by=rte)
    _seed_readiness(art, where, by=rte)


def _seed_backlog(art: ART, where: dict) -> None:
    product_manager = User.objects.get(email="pm@payments.example")
    for title, kind, value, criticality, risk, size, planned, state in BACKLOG:
        feature = services.create_feature(
            art,
            title=title,
            type=kind,
            by=product_manager,
            pi=where[planned],
            user_business_value=value,
            time_criticality=criticality,
            risk_reduction=risk,
            job_size=size,
        )
        _walk_to(feature, state, by=product_manager)


def _walk_to(feature: Feature, state: str, *, by: User) -> None:
    """Move along the flow one recorded step at a time (cancelled straight from where it is)."""
    if state == Feature.State.CANCELLED:
        services.change_feature_state(feature, to=state, by=by, expected_version=feature.version)
        return
    target = Feature.FLOW.index(Feature.State(state))
    while Feature.FLOW.index(Feature.State(feature.state)) < target:
        next_state = Feature.FLOW[Feature.FLOW.index(Feature.State(feature.state)) + 1]
        feature = services.change_feature_state(feature, to=next_state, by=by, expected_version=feature.version)


# Who delivers which feature of the current PI, and in which iteration: {feature title: [(team, iteration)]}.
PLACEMENTS = {
    "Payout status webhooks": [("Payouts", 1)],
    "Instant payouts to debit cards": [("Payouts", 2), ("Ledger", 3)],
    "PSD3 strong customer authentication": [("Checkout", 3), ("Fraud Shield", 3)],
    "Ledger event sourcing": [("Platform", 2), ("Ledger", 4)],
    "Wallet top-up with Apple Pay": [("Wallet", 2)],
    "Fraud model retraining pipeline": [("Fraud Shield", 2)],
    "Chargeback self-service for merchants": [("Checkout", 4)],
    "Multi-currency settlement reports": [("Ledger", 4)],
    "Card tokenisation service v2": [("Platform", 3), ("Checkout", 3)],
    "Observability for payment flows": [("Platform", 4)],
    "Refunds in the mobile app": [("Wallet", 4)],
    "Sanctions screening at onboarding": [("Fraud Shield", 4), ("Payouts", 3)],
}

# Full-time developers and testers per team; Checkout loses people to vacation in Iteration 3.
PEOPLE = {"Ledger": 5, "Checkout": 5, "Fraud Shield": 4, "Payouts": 4, "Wallet": 5, "Platform": Decimal("5.5")}
VACATION = {("Checkout", 3): 12, ("Ledger", 2): 3, ("Wallet", 4): 5}

# Each team's own work outside the features: (title, points, iteration number).
TEAM_WORK = {
    "Ledger": [("Rotate the ledger's database credentials", 2, 1), ("Archive last year's journal partitions", 3, 1)],
    "Checkout": [("Fix rounding of the basket total in yen", 2, 1), ("Update the card form to the new design", 3, 1)],
    "Fraud Shield": [("Tune the velocity rules for gift cards", 3, 1)],
    "Payouts": [("Retry failed payout notifications", 2, 1)],
    "Wallet": [("Show pending top-ups in the history", 3, 1), ("Upgrade the iOS SDK", 2, 1)],
    "Platform": [("Renew the TLS certificates", 1, 1), ("Alert on queue depth", 2, 1)],
}
# Stories of the first iteration still open after it: (team, index in TEAM_WORK).
CARRIED_OVER = {("Checkout", 1), ("Wallet", 1)}

# The stories behind each placement: (points, iterations before the placement's iteration).
STORY_SHAPES = [("Design and spike", 3, 1), ("Build the core", 8, 0), ("Integrate and test", 5, 0)]


def _seed_team_plans(art: ART, pi: ProgramIncrement, teams: dict[str, Team], today: date, *, by: User) -> None:
    iterations = {iteration.number: iteration for iteration in Iteration.objects.filter(pi=pi, is_ip=False)}
    for team_name, team in teams.items():
        for number, iteration in iterations.items():
            services.set_capacity(
                team,
                iteration,
                by=by,
                fte=PEOPLE.get(team_name, 5),
                vacation_days=VACATION.get((team_name, number), 0),
                # A public holiday for everyone in the first iteration.
                holiday_days=PEOPLE.get(team_name, 5) if number == 1 else 0,
            )
    features = {feature.title: feature for feature in Feature.objects.for_art(art).filter(pi=pi)}
    for title, placements in PLACEMENTS.items():
        feature = features[title]
        for team_name, number in placements:
            team = teams[team_name]
            services.place_feature(feature, team=team, iteration=iterations[number], by=by)
            for step, (what, points, earlier) in enumerate(STORY_SHAPES):
                iteration = iterations[max(1, number - earlier)]
                services.create_story(
                    team,
                    pi,
                    by=by,
                    title=f"{what}: {in_sentence(feature.title)}",
                    points=points,
                    iteration=iteration,
                    feature=feature,
                    state=_story_state(iteration, today, step=step),
                )
    # Every team's own work of the first iteration: done once it is over, but for one story each
    # of Checkout and Wallet, still open (carried over).
    for team_name, stories in TEAM_WORK.items():
        for index, (title, points, number) in enumerate(stories):
            iteration = iterations[number]
            state = _story_state(iteration, today, step=index)
            if (team_name, index) in CARRIED_OVER and state == Story.State.DONE:
                state = Story.State.IN_PROGRESS
            services.create_story(
                teams[team_name], pi, by=by, title=title, points=points, iteration=iteration, state=state
            )
    # Fraud Shield found more work on the retraining pipeline than its placement allows for.
    late = iterations[3]
    services.create_story(
        teams["Fraud Shield"],
        pi,
        by=by,
        title="Backfill training data: fraud model retraining pipeline",
        points=5,
        iteration=late,
        feature=features["Fraud model retraining pipeline"],
        state=_story_state(late, today),
    )
    # Checkout took on an accessibility fix on top of everything else in Iteration 3: overloaded.
    services.create_story(
        teams["Checkout"],
        pi,
        by=by,
        title="Fix the checkout's screen-reader labels",
        points=5,
        iteration=late,
        state=_story_state(late, today),
    )
    # Ledger's own work, some of it owned by the demo team member.
    developer = User.objects.get(email="dev@payments.example")
    for title, points, number in [
        ("Upgrade the ledger's Django version", 3, 2),
        ("Pay down flaky reconciliation tests", 2, 3),
    ]:
        services.create_story(
            teams["Ledger"],
            pi,
            by=by,
            title=title,
            points=points,
            iteration=iterations[number],
            owner=developer,
            state=_story_state(iterations[number], today),
        )
    services.create_story(teams["Ledger"], pi, by=by, title="Spike: ledger read replicas", points=3)


# Milestones and events of the running PI: (name, days after its start, what it is).
MILESTONES = [
    ("Black Friday code freeze", 16, "No production changes to the checkout for a week."),
    ("PSD3 conformance test", 31, "The regulator's test window for strong customer authentication."),
    ("Release 26.12", 40, "The last release of the year."),
]


def _seed_milestones(pi: ProgramIncrement) -> None:
    product_manager = User.objects.get(email="pm@payments.example")
    for name, days, description in MILESTONES:
        day = pi.start_date + timedelta(days=days)
        if pi.contains(day):
            services.create_milestone(pi, by=product_manager, name=name, date=day, description=description)


def _story_state(iteration: Iteration, today: date, *, step: int = 1) -> str:
    """Done in a past iteration; in the running one, the first step done, the next in progress,
    the rest to do, as a team works through an iteration; to do in a later one."""
    if iteration.end_date < today:
        return Story.State.DONE
    if iteration.contains(today):
        return (Story.State.DONE, Story.State.IN_PROGRESS)[step] if step < 2 else Story.State.TODO
    return Story.State.TODO


def in_sentence(title: str) -> str:
    """``title`` after a colon in sentence case: its first word lower-cased unless it is a name
    or an acronym ("PSD3 strong customer authentication" stays, "Instant payouts" → "instant payouts")."""
    first, _, rest = title.partition(" ")
    if first[1:].lower() != first[1:] or any(ch.isdigit() for ch in first):
        return title
    return f"{first.lower()} {rest}".rstrip()


# {team: [(statement, committed, planned BV, actual BV, feature titles)]}; actual is None while the PI runs.
CURRENT_OBJECTIVES = {
    "Ledger": [
        ("Post every instant payout to the ledger in real time", True, 9, None, ["Instant payouts to debit cards"]),
        ("Event-sourced ledger live for new accounts", True, 7, None, ["Ledger event sourcing"]),
        ("Settlement reports in every merchant currency", False, 5, None, ["Multi-currency settlement reports"]),
    ],
    "Checkout": [
        ("Strong customer authentication ready for PSD3", True, 10, None, ["PSD3 strong customer authentication"]),
        (
            "Merchants resolve chargebacks without a support call",
            True,
            6,
            None,
            ["Chargeback self-service for merchants"],
        ),
        ("Tokenised cards at checkout", False, 4, None, ["Card tokenisation service v2"]),
    ],
    "Fraud Shield": [
        ("Retrain the fraud model weekly without manual steps", True, 8, None, ["Fraud model retraining pipeline"]),
        ("Screen every new merchant against sanctions lists", True, 9, None, ["Sanctions screening at onboarding"]),
    ],
    "Payouts": [
        ("Payouts to debit cards within 30 seconds", True, 10, None, ["Instant payouts to debit cards"]),
        ("Merchants get a webhook for every payout status", True, 5, None, ["Payout status webhooks"]),
    ],
    "Wallet": [
        ("Top up the wallet with Apple Pay", True, 8, None, ["Wallet top-up with Apple Pay"]),
        ("Refunds from the mobile app", True, 6, None, ["Refunds in the mobile app"]),
    ],
    "Platform": [
        ("Trace every payment across services", True, 7, None, ["Observability for payment flows"]),
        ("Tokenisation service v2 in production", True, 8, None, ["Card tokenisation service v2"]),
        ("Event store ready for the ledger", False, 3, None, ["Ledger event sourcing"]),
    ],
}

CLOSED_OBJECTIVES = {
    "Ledger": [
        ("Book SEPA Instant transfers in the ledger", True, 9, 8, ["SEPA Instant credit transfers"]),
        ("Daily reconciliation under an hour", True, 6, 5, []),
        ("Ledger dashboards for finance", False, 3, 2, []),
    ],
    "Checkout": [
        ("3-D Secure 2.2 for every card payment", True, 10, 10, ["3-D Secure 2.2 upgrade"]),
        ("Checkout conversion +2%", True, 7, 4, []),
    ],
    "Fraud Shield": [
        ("Cut false positives by a fifth", True, 8, 7, []),
        ("Explainable fraud decisions for support", False, 4, 4, []),
    ],
    "Payouts": [
        ("SEPA Instant payouts for merchants", True, 9, 9, ["SEPA Instant credit transfers"]),
        ("Payout fees shown before confirmation", True, 4, 3, []),
    ],
    "Wallet": [
        ("Merchant dashboard shows wallet balances", True, 6, 6, ["Merchant dashboard v1"]),
        ("Peer-to-peer transfers beta", True, 8, 3, []),
    ],
    "Platform": [
        ("Payment orchestration layer carries all card traffic", True, 9, 9, ["Payment orchestration layer"]),
        ("Shut down the legacy card gateway", True, 5, 0, ["Legacy card gateway shutdown"]),
        ("Self-service test environments", False, 3, 5, []),
    ],
}


def _seed_objectives(
    art: ART, pi: ProgramIncrement, teams: dict[str, Team], objectives: dict, *, by: User, business_owner: User
) -> None:
    features = {feature.title: feature for feature in Feature.objects.for_art(art)}
    for team_name, rows in objectives.items():
        for statement, committed, planned, actual, titles in rows:
            objective = services.create_objective(
                teams[team_name],
                pi,
                by=by,
                statement=statement,
                committed=committed,
                features=[features[title] for title in titles],
            )
            services.set_business_value(
                objective, by=business_owner, expected_version=objective.version, planned=planned, actual=actual
            )


def _seed_votes(art: ART, pi: ProgramIncrement, teams: dict[str, Team], *, by: User) -> None:
    """Checkout first voted to re-plan (it was overloaded), then voted again; then the whole train voted."""
    members = list(Membership.objects.filter(art=art).select_related("user").order_by("user__email", "role").distinct())
    checkout = [m.user for m in members if m.team_id == teams["Checkout"].pk]
    for values in ((2, 2, 3, 2), (3, 4, 4, 3)):
        vote_round = services.open_vote(pi, by=by, team=teams["Checkout"])
        for voter, value in zip(checkout, values, strict=False):
            concern = "Iteration 3 is overloaded: the PSD3 work does not fit." if value <= 2 else ""
            services.cast_vote(vote_round, by=voter, value=value, concern=concern)
        services.close_vote(vote_round, by=by)
    vote_round = services.open_vote(pi, by=by)
    voters = list(dict.fromkeys(m.user for m in members))
    for index, voter in enumerate(voters):
        services.cast_vote(vote_round, by=voter, value=(3, 4, 5, 4)[index % 4])
    services.close_vote(vote_round, by=by)


def _seed_committed_plan(pi: ProgramIncrement, teams: dict[str, Team], *, by: User) -> None:
    """The plan committed at PI Planning; since then Wallet pulled the refunds in by an iteration."""
    services.commit_plan(pi, by=by)
    placement = FeaturePlacement.objects.filter(
        iteration__pi=pi, team=teams["Wallet"], feature__title="Refunds in the mobile app"
    ).first()
    earlier = Iteration.objects.filter(pi=pi, number=3).first()
    if placement is not None and earlier is not None:
        services.move_placement(placement, by=by, expected_version=placement.version, iteration=earlier)


# Who owns which readiness item (by the default checklist's order).
READINESS_OWNERS = ["pm", "pm", "rte", "architect", "bo", "rte"]


def _seed_readiness(art: ART, where: dict, *, by: User) -> None:
    """Past and running PIs were ready; the next one is being prepared (two items done)."""
    owners = [User.objects.get(email=f"{name}@payments.example") for name in READINESS_OWNERS]
    for key, done in (("closed", 6), ("current", 6), ("next", 2)):
        pi = where[key]
        if pi is None or ReadinessItem.objects.filter(pi=pi).exclude(owner=None).exists():
            continue
        items = list(ReadinessItem.objects.filter(pi=pi).order_by("position", "id"))
        for index, (item, owner) in enumerate(zip(items, owners, strict=False)):
            services.update_readiness_item(item, by=by, expected_version=item.version, owner=owner, done=index < done)
