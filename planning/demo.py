"""The demo train's ART backlog: about forty features and enablers across the funnel and the PIs.

Called by ``manage.py seed_demo`` after the core demo; it adds nothing when the train already
has features, so running it again changes nothing.
"""

from __future__ import annotations

from datetime import date

from artops.models import ART, ProgramIncrement, User
from planning import services
from planning.models import Feature

B, E = Feature.Type.BUSINESS, Feature.Type.ENABLER

# (title, type, user-business value, time criticality, risk reduction, job size, where, state path)
# where: "closed" (the closed PI), "current", "next" or None (not yet planned).
BACKLOG = [
    ("Instant payouts to debit cards", B, 13, 8, 5, 8, "current", "implementing"),
    ("PSD3 strong customer authentication", B, 20, 20, 8, 13, "current", "implementing"),
    ("Ledger event sourcing", E, 5, 3, 13, 8, "current", "implementing"),
    ("Wallet top-up with Apple Pay", B, 8, 5, 2, 5, "current", "implementing"),
    ("Fraud model retraining pipeline", E, 3, 5, 8, 3, "current", "implementing"),
    ("Chargeback self-service for merchants", B, 8, 3, 3, 5, "current", "backlog"),
    ("Multi-currency settlement reports", B, 5, 3, 2, 8, "current", "backlog"),
    ("Card tokenisation service v2", E, 5, 8, 13, 13, "current", "implementing"),
    ("Payout status webhooks", B, 8, 5, 3, 3, "current", "validating"),
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
    if Feature.objects.filter(art=art).exists():
        return
    product_manager = User.objects.get(email="pm@payments.example")
    pis = list(ProgramIncrement.objects.for_art(art).order_by("start_date"))
    current = next((pi for pi in pis if pi.contains(today)), pis[-1])
    where = {
        "current": current,
        "closed": next((pi for pi in reversed(pis) if pi.end_date < current.start_date), None),
        "next": next((pi for pi in pis if pi.start_date > current.end_date), None),
        None: None,
    }
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
