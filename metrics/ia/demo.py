"""The demo train's Inspect & Adapt: a finished one for the PI that closed last, and the running PI's, not yet held.

Called by ``metrics.demo.seed_demo`` once the metrics history is in place. The finished I&A has
its problems, a fishbone with whys, the dot votes and the Pareto they make, a restated problem,
brainstormed solutions and two improvement items in the running PI's backlog: one done (and
shown at its System Demo), one planned on the program board. Everything goes through the
services, as the RTE and the train's members would do it. Running it again changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from artops.models import ART, ProgramIncrement, Team, User
from metrics.ia import services
from metrics.ia.models import Bone, ImprovementItem, InspectAdapt, Step
from planning import services as planning
from planning.models import Feature
from sync.models import SystemDemo
from sync.services import system_demos

PROBLEMS = [
    (
        "Features spill over into the next PI",
        "Checkout and Wallet",
        "Every iteration from the third on",
        "Three committed objectives missed; Business Owners lose trust in the plan",
        "Wallet",
    ),
    ("System Demos show work that is not integrated", "The System Demo", "Iterations 2 and 3", "Late surprises", None),
]
# (problem index, bone, cause, whys)
CAUSES = [
    (
        0,
        Bone.PROCESS,
        "Features are not split before PI Planning",
        ["They arrive at PI Planning as epics", "Product Management has no refinement slot"],
    ),
    (0, Bone.PROGRAM, "Too many features started at once", ["WIP limit is not enforced"]),
    (0, Bone.TOOLS, "Test environments are shared and flaky", ["One staging for six teams", "No budget for more"]),
    (0, Bone.PEOPLE, "Key people are on several teams", []),
    (1, Bone.ENVIRONMENT, "No integration environment before the demo", ["Integration happens on demo day"]),
]
# Dot votes per (voter email, cause index).
VOTES = [
    ("rte", [0, 0, 2, 1]),
    ("pm", [0, 0, 1, 3, 2]),
    ("architect", [2, 2, 0, 4]),
    ("bo", [0, 1, 1]),
    ("sm", [2, 0, 4, 4]),
    ("po", [0, 1, 2]),
    ("dev", [2, 2, 3]),
]
SOLUTIONS = [
    "A feature-splitting workshop two weeks before PI Planning",
    "Definition of Ready for features: split to fit one iteration per team",
    "Stop starting, start finishing: enforce the WIP limit at ART Sync",
]
IMPROVEMENTS = [
    ("Feature-splitting workshop before PI Planning", "pm", "Every feature of the PI fits in one iteration per team"),
    (
        "Second staging environment for integration",
        "architect",
        "Each team integrates daily; demo shows integrated work",
    ),
]


def seed_demo(art: ART, today: date) -> None:
    pis = list(ProgramIncrement.objects.for_art(art).order_by("start_date"))
    current = ProgramIncrement.objects.for_art(art).current(today)
    closed = [pi for pi in pis if pi.end_date < today and pi.state == ProgramIncrement.State.CLOSED]
    if current is None or not closed:
        return
    people = {user.email.split("@")[0]: user for user in User.objects.filter(memberships__art=art).distinct()}
    last = closed[-1]
    if not InspectAdapt.objects.filter(pi=last).exists():
        _finished_ia(art, last, current, people, today)
    if current.start_date <= today and not InspectAdapt.objects.filter(pi=current).exists():
        upcoming = services.open_ia(current, by=people["rte"], held_on=current.end_date - timedelta(days=4))
        services.add_problem(
            upcoming,
            by=people["sm"],
            what="Dependencies on Platform are found late",
            where="PI Planning and ART Sync",
            impact="Ledger waited three weeks for a schema change",
            team=Team.objects.for_art(art).filter(name="Ledger").first(),
        )


def _at(art: ART, day: date, hour: int = 14) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=art.tz)


def _finished_ia(art: ART, pi: ProgramIncrement, current: ProgramIncrement, people: dict, today: date) -> None:
    rte = people["rte"]
    held_on = pi.end_date - timedelta(days=3)
    event = services.open_ia(pi, by=rte, held_on=held_on)
    services.freeze_review(event, by=rte, day=held_on)
    services.update_event(
        event,
        by=rte,
        demo_note="The PI System Demo showed the new checkout end to end; Wallet's top-ups ran on a laptop.",
        retrospective="Went well: the checkout launch, the Platform team's support.\n"
        "Did not: spill-over, a flaky staging.\nTry: split features earlier.",
    )
    teams = {team.name: team for team in Team.objects.for_art(art)}
    problems = [
        services.add_problem(
            event, by=people["sm"], what=what, where=where, when=when, impact=impact, team=teams.get(team or "")
        )
        for what, where, when, impact, team in PROBLEMS
    ]
    causes = []
    for index, bone, text, whys in CAUSES:
        cause = services.add_cause(problems[index], by=people["dev"], bone=bone, text=text)
        for why in whys:
            cause = services.add_why(cause, by=people["po"], text=why)
        causes.append(cause)
    event = services.move_to_step(event, step=Step.VOTE, by=rte)
    for voter, picks in VOTES:
        for pick in picks:
            services.cast_vote(causes[pick], by=people[voter])
    top = services.pareto(event)[0].cause
    services.restate_problem(
        event, cause=top, text="How might we split features so that each fits one iteration per team?", by=rte
    )
    for text in SOLUTIONS:
        services.add_solution(event, text=text, by=people["pm"])
    items = [
        services.add_improvement(
            event, by=rte, title=title, owner=people[owner], target_pi=current, measure_of_done=done, cause=top
        )
        for title, owner, done in IMPROVEMENTS
    ]
    services.move_to_step(event, step=Step.IMPROVEMENTS, by=rte)
    services.close_ia(event, by=rte)
    _follow_up(art, current, items, people, today)
    ImprovementItem.objects.filter(event=event).update(created_at=_at(art, held_on))


def _follow_up(art: ART, current: ProgramIncrement, items: list[ImprovementItem], people: dict, today: date) -> None:
    """Both items are ranked and placed on the running PI's board; the first is done and was demoed."""
    rte = people["rte"]
    iterations = list(current.iterations.development())
    platform = Team.objects.for_art(art).filter(name="Platform").first()
    for item, (value, criticality, risk) in zip(items, [(8, 13, 13), (5, 8, 20)], strict=True):
        feature = planning.update_feature(
            item.feature, by=rte, expected_version=item.feature.version,
            user_business_value=value, time_criticality=criticality, risk_reduction=risk, job_size=3,
        )  # fmt: skip
        planning.place_feature(feature, team=platform, iteration=iterations[0 if item is items[0] else 1], by=rte)
    done = Feature.objects.get(pk=items[0].feature_id)
    for state in (Feature.State.ANALYZING, Feature.State.BACKLOG, Feature.State.IMPLEMENTING, Feature.State.VALIDATING,
                  Feature.State.DONE):  # fmt: skip
        done = planning.change_feature_state(done, to=state, by=rte, expected_version=done.version)
    demo = SystemDemo.objects.filter(pi=current, held_on__lt=today).order_by("held_on").first()
    if demo is not None:
        system_demos.add_demo_item(
            demo, team=platform, feature=done, shown="The splitting checklist, used on two features", integrated="yes",
            by=rte,
        )  # fmt: skip
