"""The demo train's execution weeks: impediments, past syncs and the next one, and System Demos.

- Impediments at every escalation level (team, train, beyond the train), with their escalation
  history, and one resolved and one dropped.
- The syncs held since the running PI began: ART Syncs every Tuesday, a PO Sync and a Coach
  Sync, with decisions and action items (some done, one dropped, some open, one overdue), and
  the next ART Sync, planned, with its top 5 chosen from the data and four of six teams'
  status posted.
- The System Demo of the running PI's first iteration (one item not integrated, one partly,
  feedback open and closed, outcomes), and the last System Demo of the closed PI with feedback
  still open, shown at the top of the next one.

Called by ``manage.py seed_demo`` after the risks demo. Items are created through the
services and then dated back, as if the train had used ARTops all along. Each part adds
nothing when the train already has its kind of data, so running it again changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from artops.models import ART, Iteration, ProgramIncrement, Team, User
from planning.models import Feature
from sync import services
from sync.models import (
    ActionItem,
    Decision,
    Impediment,
    ImpedimentEscalation,
    SyncMeeting,
    SystemDemo,
)

L = Impediment.Level
Kind = SyncMeeting.Kind

# (team, description, level reached, days since raised, how it ended: None (open), "resolved" or "dropped")
IMPEDIMENTS = [
    ("Checkout", "No PSD3 test cards from the acquirer's sandbox", L.BEYOND, 12, None),
    ("Fraud Shield", "GPU quota request stuck with the cloud team", L.TRAIN, 9, None),
    ("Payouts", "Shared staging environment is down twice a week", L.TRAIN, 5, None),
    ("Ledger", "Code reviews wait two days for the one DBA", L.TEAM, 3, None),
    ("Wallet", "Apple developer account renewal is pending with purchasing", L.TEAM, 2, None),
    ("Platform", "Terraform state locked by a departed colleague's account", L.TEAM, 15, "resolved"),
    ("Checkout", "Design system upgrade breaks the payment form", L.TRAIN, 11, "dropped"),
]

# The teams that posted their status for the next ART Sync: (team, status, note).
STATUSES = [
    ("Ledger", "on_track", "Event store migration on plan."),
    ("Checkout", "at_risk", "PSD3 certification slot still not booked."),
    ("Fraud Shield", "off_track", "No GPUs: retraining pipeline slips to Iteration 3."),
    ("Payouts", "on_track", ""),
]


DROP_REASON = "Overtaken by events: the vendor published the new documentation itself."


def _at(art: ART, day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=art.tz)


def seed_demo(art: ART, today: date) -> None:
    pi = ProgramIncrement.objects.for_art(art).containing(today).first()
    if pi is None:
        return
    teams = {team.name: team for team in Team.objects.for_art(art)}
    people = {user.email.split("@")[0]: user for user in User.objects.filter(memberships__art=art).distinct()}
    if not Impediment.objects.for_art(art).exists():
        _seed_impediments(art, teams, people, today)
    if not SyncMeeting.objects.for_art(art).exists():
        _seed_syncs(art, pi, teams, people, today)
    if not SystemDemo.objects.for_art(art).exists():
        _seed_system_demos(art, pi, teams, people)


def _scrum_master_of(art: ART, team: Team) -> User:
    return art.memberships.filter(role="scrum_master", team=team).select_related("user").first().user


def _seed_impediments(art: ART, teams: dict, people: dict, today: date) -> None:
    rte = people["rte"]
    for team_name, description, level, days, ending in IMPEDIMENTS:
        team = teams[team_name]
        scrum_master = _scrum_master_of(art, team)
        impediment = services.raise_impediment(
            art, team=team, description=description, by=scrum_master, due_date=today + timedelta(days=7)
        )
        if level in (L.TRAIN, L.BEYOND):
            impediment = services.escalate_impediment(
                impediment, to=L.TRAIN, by=scrum_master, expected_version=impediment.version
            )
        if level == L.BEYOND:
            impediment = services.escalate_impediment(
                impediment, to=L.BEYOND, by=rte, expected_version=impediment.version, note="Needs the acquirer's CTO."
            )
        if ending == "resolved":
            impediment = services.resolve_impediment(
                impediment,
                resolution="IT unlocked the state and rotated the keys.",
                by=scrum_master,
                expected_version=impediment.version,
            )
        elif ending == "dropped":
            impediment = services.drop_impediment(
                impediment,
                reason="We stay on the old design system until the next PI.",
                by=rte,
                expected_version=impediment.version,
            )
        # Dated back: raised ``days`` ago, each escalation a day or two later, closed three days after.
        raised = _at(art, today - timedelta(days=days), 9)
        closed = _at(art, today - timedelta(days=max(0, days - 3)), 16) if ending else None
        Impediment.objects.filter(pk=impediment.pk).update(raised_at=raised, resolved_at=closed)
        for step, escalation in enumerate(impediment.escalations.order_by("id"), start=1):
            ImpedimentEscalation.objects.filter(pk=escalation.pk).update(at=raised + timedelta(days=2 * step))


def _tuesdays(start: date, before: date) -> list[date]:
    """The Tuesdays from ``start`` on, before the day ``before``: the train's ART Sync days."""
    day = start + timedelta(days=(1 - start.weekday()) % 7)
    days = []
    while day < before:
        days.append(day)
        day += timedelta(weeks=1)
    return days


def _hold(meeting: SyncMeeting, *, by: User, decisions: list[tuple[str, str]], actions: list[tuple]) -> SyncMeeting:
    """Run a past sync through the services: start, record, close; then date it back to its day."""
    meeting = services.start_meeting(meeting, by=by, expected_version=meeting.version)
    for section, text in decisions:
        services.record_decision(meeting, text=text, section=section, by=by)
    for text, owner, due, ending in actions:
        item = services.add_action_item(meeting, text=text, owner=owner, due_date=due, by=by)
        if ending == "done":
            services.complete_action_item(item, by=owner, expected_version=item.version)
        elif ending == "dropped":
            services.drop_action_item(item, reason=DROP_REASON, by=by, expected_version=item.version)
    meeting = services.close_meeting(meeting, by=by, expected_version=meeting.version)
    began, ended = meeting.starts_at, meeting.starts_at + timedelta(minutes=88)
    SyncMeeting.objects.filter(pk=meeting.pk).update(
        started_at=began, closed_at=ended, current_section="summary", section_elapsed=180
    )
    Decision.objects.filter(meeting=meeting).update(at=began + timedelta(minutes=30))
    ActionItem.objects.filter(meeting=meeting).update(created_at=began + timedelta(minutes=80))
    ActionItem.objects.filter(meeting=meeting, state="done").update(done_at=ended + timedelta(days=2))
    return meeting


def _seed_syncs(art: ART, pi: ProgramIncrement, teams: dict, people: dict, today: date) -> None:
    rte = people["rte"]
    masters = {name: _scrum_master_of(art, team) for name, team in teams.items()}
    ten = time(10)
    held = _tuesdays(pi.start_date, today)
    for number, day in enumerate(held, start=1):
        meeting = services.open_meeting(art, kind=Kind.ART_SYNC, date=day, start_time=ten, by=rte, pi=pi)
        if number == 1:
            decisions = [
                ("blockers", "Platform delivers the event store cluster before Checkout's load tests."),
                ("risks", "The PSD3 regulation risk stays unroamed until the regulator's text is final."),
            ]
            actions = [
                ("Book the PSD3 certification slot with Visa", masters["Checkout"], day + timedelta(days=5), None),
                ("Share the peak-season traffic forecast", masters["Platform"], day + timedelta(days=7), "done"),
            ]
        elif day == held[-1]:
            decisions = [
                ("blockers", "Fraud Shield and Ledger pair on the historical postings export this week."),
                ("scope", "Refunds in the mobile app moves to Iteration 4; Wallet keeps its objective."),
            ]
            actions = [
                (
                    "Escalate the GPU quota to the cloud provider's account manager",
                    rte,
                    today + timedelta(days=6),
                    None,
                ),
                (
                    "Update the old payout API's retirement notice",
                    masters["Payouts"],
                    day + timedelta(days=3),
                    "dropped",
                ),
            ]
        else:
            decisions = [("blockers", "The top 5 is unchanged: every owner confirmed their next step.")]
            actions = []
        _hold(meeting, by=rte, decisions=decisions, actions=actions)

    wednesday = pi.start_date + timedelta(days=9)
    if wednesday < today:
        po_sync = services.open_meeting(art, kind=Kind.PO_SYNC, date=wednesday, start_time=time(14), by=rte, pi=pi)
        _hold(
            po_sync,
            by=rte,
            decisions=[("features", "Chargeback self-service waits for the tokenisation service v2.")],
            actions=[],
        )
    thursday = pi.start_date + timedelta(days=10)
    if thursday < today:
        coach = services.open_meeting(art, kind=Kind.COACH_SYNC, date=thursday, start_time=time(9), by=rte, pi=pi)
        _hold(
            coach,
            by=rte,
            decisions=[("in_the_way", "Payouts sends settlement ids before Ledger's Iteration 3 work starts.")],
            actions=[
                ("Pair Ledger and Payouts on settlement ids", masters["Payouts"], today + timedelta(days=3), None)
            ],
        )

    # The next ART Sync: planned, its top 5 chosen from the data, most teams' status posted.
    upcoming = today + timedelta(days=(1 - today.weekday()) % 7)
    if pi.contains(upcoming):
        meeting = services.open_meeting(art, kind=Kind.ART_SYNC, date=upcoming, start_time=ten, by=rte, pi=pi)
        for team_name, status, note in STATUSES:
            services.post_team_status(meeting, team=teams[team_name], status=status, note=note, by=masters[team_name])


# The first iteration's demo: (feature, team, what was shown, integrated, reason).
DEMO_ITEMS = [
    ("Payout status webhooks", "Payouts", "Webhooks for every payout state, received by a test merchant.", "yes", ""),
    (
        "Ledger event sourcing",
        "Platform",
        "The event store cluster replaying a day of postings.",
        "partly",
        "Ledger still writes to the old tables; the replay ran against a copy.",
    ),
    (
        "Fraud model retraining pipeline",
        "Fraud Shield",
        "A retraining run and its model report.",
        "no",
        "Shown on a laptop: the training cluster is not connected to staging yet.",
    ),
]


def _seed_system_demos(art: ART, pi: ProgramIncrement, teams: dict, people: dict) -> None:
    rte, product_manager, business_owner = people["rte"], people["pm"], people["bo"]
    closed_pi = ProgramIncrement.objects.for_art(art).filter(end_date__lt=pi.start_date).order_by("-end_date").first()
    if closed_pi is not None:
        last = Iteration.objects.filter(pi=closed_pi, is_ip=False).order_by("-number").first()
        earlier = services.create_system_demo(art, iteration=last, by=rte, held_on=last.end_date - timedelta(days=2))
        sepa = Feature.objects.for_art(art).filter(pi=closed_pi, title="SEPA Instant credit transfers").first()
        if sepa is not None:
            services.add_demo_item(
                earlier,
                team=teams["Ledger"],
                feature=sepa,
                shown="An instant transfer between two test banks.",
                integrated="yes",
                by=rte,
            )
        services.add_feedback(
            earlier, text="Publish the SEPA Instant limits in the merchant dashboard.", by=business_owner
        )

    first = Iteration.objects.filter(pi=pi, number=1).first()
    if first is None or first.is_ip:
        return
    demo = services.create_system_demo(art, iteration=first, by=rte, held_on=first.end_date - timedelta(days=2))
    features = {feature.title: feature for feature in Feature.objects.for_art(art).filter(pi=pi)}
    items = {}
    for title, team_name, shown, integrated, reason in DEMO_ITEMS:
        if title in features:
            items[title] = services.add_demo_item(
                demo,
                team=teams[team_name],
                feature=features[title],
                shown=shown,
                integrated=integrated,
                reason=reason,
                by=rte,
            )
    attendees = [rte, product_manager, business_owner, people.get("grace.lindqvist"), people.get("sm")]
    services.record_attendance(demo, attendees=[p for p in attendees if p], by=rte, expected_version=demo.version)
    services.add_feedback(
        demo,
        text="Show the payout fee before the merchant confirms.",
        by=business_owner,
        item=items.get("Payout status webhooks"),
    )
    services.add_feedback(
        demo, text="Can merchants choose the webhook retry policy?", by=people.get("grace.lindqvist", business_owner)
    )
    noted = services.add_feedback(demo, text="Use the brand colours in the demo screens.", by=business_owner)
    services.close_feedback(
        noted,
        reason="The demo screens are internal tools; the product UI already follows the brand.",
        by=product_manager,
        expected_version=noted.version,
    )
    if "Payout status webhooks" in items:
        services.set_demo_outcome(
            demo, feature=features["Payout status webhooks"], outcome="accepted", by=product_manager
        )
    if "Fraud model retraining pipeline" in items:
        services.set_demo_outcome(
            demo,
            feature=features["Fraud model retraining pipeline"],
            outcome="needs_work",
            note="Show it integrated at the next demo.",
            by=product_manager,
        )
