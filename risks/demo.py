"""The demo train's risks and dependencies: a ROAM board in every state, dependencies of every age and health.

Called by ``manage.py seed_demo`` after the planning demo. Ages are real: each item is raised
through the services and then dated back to when it was raised, as if the train had used
ARTops all along. It adds nothing when the running PI already has risks or dependencies.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from artops.models import ART, Iteration, ProgramIncrement, Team, User
from planning.models import Feature
from risks import services
from risks.models import Dependency, Risk, RiskChange

R = Risk.State

# (title, team or None for the whole train, probability, impact, ROAM state, owner email local part or None,
#  days since last touched)
RISKS = [
    ("PSD3 regulation text may change before go-live", None, 4, 5, R.UNROAMED, None, 2),
    ("Card network certification slot not yet booked", "Checkout", 3, 5, R.UNROAMED, None, 16),
    ("Key fraud data scientist on parental leave from January", "Fraud Shield", 4, 3, R.UNROAMED, None, 5),
    ("Peak-season traffic may exceed the ledger's write capacity", "Ledger", 3, 4, R.UNROAMED, None, 21),
    ("Apple Pay merchant validation depends on a vendor contract", "Wallet", 2, 4, R.OWNED, "daniel.kim", 3),
    ("Payout partner's sandbox is unstable", "Payouts", 4, 2, R.OWNED, "hannah.kowalski", 18),
    ("Tokenisation vault migration needs a maintenance window", "Platform", 3, 4, R.OWNED, "marcus.reed", 1),
    ("Sanctions list provider changes its API format", "Fraud Shield", 2, 3, R.ACCEPTED, None, 9),
    ("Merchant dashboard uses a deprecated charting library", "Checkout", 2, 2, R.ACCEPTED, None, 30),
    ("Event sourcing doubles storage costs", "Ledger", 3, 3, R.MITIGATED, None, 6),
    ("Observability agents slow down the payment path", "Platform", 2, 4, R.MITIGATED, None, 15),
    ("Open banking licence not granted in time", None, 2, 5, R.MITIGATED, None, 4),
    ("Staging environment shared with another train", None, 3, 2, R.RESOLVED, "rte", 12),
    ("Refund rules unclear for partial shipments", "Wallet", 3, 3, R.RESOLVED, "daniel.kim", 8),
    ("Load test tooling licence expires mid-PI", "Platform", 2, 3, R.RESOLVED, "marcus.reed", 20),
]

NEEDS = {
    R.ACCEPTED: {"rationale": "The impact is small and a workaround exists; we revisit at the next I&A."},
    R.MITIGATED: {"mitigation_plan": "Spike in Iteration 2, fallback design agreed with the architect."},
}

D = Dependency.State

# (needing team, providing team or external party, what is needed, needed by, planned (None = unplanned), state,
#  days since raised)
DEPENDENCIES = [
    ("Checkout", "Fraud Shield", "Risk score in the SCA decision", 3, 2, D.COMMITTED, 20),
    ("Checkout", "Platform", "Tokenisation API v2 in staging", 3, 3, D.COMMITTED, 18),
    ("Checkout", "Ledger", "Chargeback postings", 3, 4, D.REQUESTED, 9),
    ("Checkout", "Wallet", "Wallet as a payment method at checkout", 4, None, D.REQUESTED, 3),
    ("Checkout", "Card network (Visa)", "PSD3 certification test slot", 3, None, D.BLOCKED, 26),
    ("Ledger", "Platform", "Event store cluster", 3, 2, D.DELIVERED, 35),
    ("Ledger", "Payouts", "Payout events with settlement ids", 3, 3, D.COMMITTED, 14),
    ("Ledger", "Checkout", "Multi-currency amounts in orders", 4, 3, D.COMMITTED, 12),
    ("Ledger", "Central Bank reporting (external)", "New regulatory report schema", 4, None, D.AT_RISK, 40),
    ("Ledger", "Fraud Shield", "Flags for suspicious postings", 4, 4, D.REQUESTED, 7),
    ("Fraud Shield", "Platform", "GPU nodes for model training", 2, 1, D.DELIVERED, 38),
    ("Fraud Shield", "Ledger", "Historical postings export", 2, 3, D.AT_RISK, 22),
    ("Fraud Shield", "Sanctions list provider (vendor)", "Batch API credentials", 3, 3, D.COMMITTED, 17),
    ("Fraud Shield", "Checkout", "Device fingerprint in the payment request", 3, 4, D.REQUESTED, 11),
    ("Fraud Shield", "Payouts", "Beneficiary details for screening", 4, None, D.REQUESTED, 2),
    ("Payouts", "Ledger", "Balance reservation API", 2, 1, D.DELIVERED, 33),
    ("Payouts", "Card network (Mastercard)", "Send-to-card enablement", 2, 3, D.AT_RISK, 31),
    ("Payouts", "Platform", "Webhook delivery service", 1, 1, D.DELIVERED, 36),
    ("Payouts", "Fraud Shield", "Payout fraud check", 2, 2, D.COMMITTED, 24),
    ("Payouts", "Wallet", "Wallet payout destination", 4, 4, D.REQUESTED, 6),
    ("Wallet", "Apple (vendor)", "Merchant validation certificate", 2, 2, D.DELIVERED, 29),
    ("Wallet", "Checkout", "Apple Pay button in the web checkout", 2, 3, D.COMMITTED, 19),
    ("Wallet", "Ledger", "Refund postings", 4, 4, D.COMMITTED, 10),
    ("Wallet", "Platform", "Push notification service", 3, 2, D.COMMITTED, 15),
    ("Wallet", "Fraud Shield", "Top-up velocity limits", 2, None, D.BLOCKED, 21),
    ("Platform", "Lending ART", "Shared observability conventions", 2, 2, D.DELIVERED, 37),
    ("Platform", "Ledger", "Read-replica requirements", 3, 4, D.REQUESTED, 8),
    ("Platform", "Checkout", "Traffic forecast for peak season", 2, 2, D.COMMITTED, 25),
    ("Platform", "Cloud provider (vendor)", "Increased quota in eu-central", 2, 1, D.DELIVERED, 34),
    ("Platform", "Payouts", "Retirement date of the old payout API", 4, None, D.REQUESTED, 1),
    ("Checkout", "Payouts", "Instant refund to card", 4, 4, D.COMMITTED, 13),
    ("Ledger", "Wallet", "Wallet balance snapshot", 2, 2, D.CANCELLED, 30),
    ("Fraud Shield", "Wallet", "Wallet login signals", 3, 2, D.COMMITTED, 16),
    ("Payouts", "Checkout", "Merchant bank account validation", 3, 4, D.AT_RISK, 19),
    ("Wallet", "Payouts", "Withdraw to bank account", 4, 3, D.COMMITTED, 9),
    ("Checkout", "Ledger", "Settlement reference in receipts", 2, 2, D.DELIVERED, 27),
    ("Platform", "Fraud Shield", "Model serving capacity plan", 3, 3, D.REQUESTED, 4),
    ("Ledger", "Platform", "Backup policy for the event store", 4, 3, D.COMMITTED, 5),
    ("Fraud Shield", "Payment regulator (external)", "Guidance on model explainability", 4, None, D.BLOCKED, 45),
    ("Checkout", "Platform", "Rate limits on the public API", 4, 2, D.COMMITTED, 11),
]

# How a dependency reaches its state through the transitions.
PATHS = {
    D.REQUESTED: [],
    D.COMMITTED: [D.COMMITTED],
    D.AT_RISK: [D.COMMITTED, D.AT_RISK],
    D.BLOCKED: [D.BLOCKED],
    D.DELIVERED: [D.COMMITTED, D.DELIVERED],
    D.CANCELLED: [D.CANCELLED],
}


def _at(art: ART, day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=art.tz)


def seed_demo(art: ART, today: date) -> None:
    pi = ProgramIncrement.objects.for_art(art).containing(today).first()
    if pi is None or Risk.objects.filter(pi=pi).exists() or Dependency.objects.filter(pi=pi).exists():
        return
    rte = User.objects.get(email="rte@payments.example")
    teams = {team.name: team for team in Team.objects.for_art(art)}
    people = {user.email.split("@")[0]: user for user in User.objects.on_train(art)}
    _seed_risks(art, pi, teams, people, today, by=rte)
    _seed_dependencies(art, pi, teams, people, today, by=rte)


def _seed_risks(art, pi, teams, people, today: date, *, by: User) -> None:
    for title, team_name, probability, impact, state, owner, quiet_days in RISKS:
        risk = services.raise_risk(
            art,
            by=by,
            pi=pi,
            title=title,
            team=teams[team_name] if team_name else None,
            probability=probability,
            impact=impact,
            owner=people.get(owner) if owner else None,
            due_date=today + timedelta(days=7 * (impact - 1)),
        )
        if state != R.UNROAMED:
            services.roam_risk(
                risk,
                to=state,
                by=by,
                expected_version=risk.version,
                note="ROAMed at PI Planning.",
                **NEEDS.get(state, {}),
            )
        # Dated back: some risks have been left alone for weeks (aging quietly).
        touched = _at(art, today - timedelta(days=quiet_days))
        Risk.objects.filter(pk=risk.pk).update(created_at=touched, updated_at=touched)
        RiskChange.objects.filter(risk=risk).update(at=touched)


def _seed_dependencies(art, pi, teams, people, today: date, *, by: User) -> None:
    iterations = {iteration.number: iteration for iteration in Iteration.objects.filter(pi=pi)}
    scrum_masters = {
        membership.team_id: membership.user
        for membership in art.memberships.filter(role="scrum_master").select_related("user")
    }
    features = list(Feature.objects.for_art(art).filter(pi=pi).order_by("key"))
    for index, (needing, provider, what, needed_by, planned, state, age) in enumerate(DEPENDENCIES):
        needing_team = teams[needing]
        providing_team = teams.get(provider)
        dependency = services.raise_dependency(
            art,
            by=by,
            pi=pi,
            needing_team=needing_team,
            providing_team=providing_team,
            external_party="" if providing_team else provider,
            description=what,
            needed_by=iterations[needed_by],
            planned_iteration=iterations[planned] if planned else None,
            owner=scrum_masters.get(needing_team.pk, by),
            needing_feature=features[index % len(features)] if features and index % 3 == 0 else None,
        )
        for step in PATHS[state]:
            dependency = services.move_dependency(dependency, to=step, by=by, expected_version=dependency.version)
        raised = _at(art, today - timedelta(days=age))
        closed = _at(art, today - timedelta(days=age // 3)) if state in Dependency.CLOSED else None
        Dependency.objects.filter(pk=dependency.pk).update(created_at=raised, closed_at=closed)
        dependency.changes.filter(kind="raised").update(at=raised)
