"""The demo train's coaching: three playbooks written for ARTops (PI Planning, ART Sync, PI
readiness), a community of practice session on the calendar, and one observation and one
growth goal of the RTE coaching the Ledger team's Scrum Master. Running it again adds nothing.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from artops.coaching import services
from artops.coaching.models import CoPSession, GrowthGoal, Observation, Playbook
from artops.models import ART, Membership, ProgramIncrement, Role, Team, User

PI_PLANNING = """## Purpose and agenda

Two days in which every team of the train plans the next PI together, in one room or one call,
and leaves with committed PI objectives, a program board whose dependencies everyone has seen,
and a confidence vote of the whole train.

**Day 1**

1. Business context (30 min): where the business is going; Business Owners speak.
2. Product vision (60 min): Product Management walks the top features of the ART backlog, by WSJF.
3. Architecture vision (30 min): the runway the teams will need.
4. Planning context and lunch (30 min): the RTE explains the day, the boards in ARTops, the rules.
5. Team breakouts #1 (3 h): capacity per iteration on the team board, stories, draft objectives.
6. Draft plan review (60 min): each team shows objectives, risks and the dependencies it needs.
7. Management review (60 min): scope, people and constraints adjusted for day 2.

**Day 2**

1. Planning adjustments (30 min).
2. Team breakouts #2 (2.5 h): final plans; Business Owners give business value to each objective.
3. Final plan review (90 min): every team, five minutes, same template.
4. Risks, ROAMed in front of the train (45 min).
5. Confidence vote (15 min): teams first, then the train. Below 3 on average: re-plan.
6. Retrospective of the event (30 min).

## Preparation checklist

- [ ] Top ten features ranked by WSJF, each with a benefit hypothesis and acceptance criteria
- [ ] Each team's capacity per iteration entered, vacations and holidays deducted
- [ ] Business Owners confirmed for both days
- [ ] Architecture runway briefing prepared by the System Architect
- [ ] Program board in ARTops cleared of last PI's placements
- [ ] Rooms, remote links and breakout channels booked and tested
- [ ] Agenda published on the ART calendar
- [ ] Facilitators named for each breakout

## Tips

- Timebox every review hard: a team that runs over eats someone else's planning time.
- Keep the program board projected all the time; dependencies drawn late are dependencies missed.
- Ask Business Owners to walk the breakouts during day 2 rather than wait for the review.
- Capacity first, stories second: a plan that ignores capacity is a wish list.

## Overcoming challenges

- **Features arrive unrefined.** Hold a feature refinement session two weeks before; features
  without acceptance criteria are not presented.
- **A team is overloaded (load over 100%).** Make it visible on the board and move scope in the
  management review, never by asking for overtime.
- **Dependencies surface only in the final review.** Run a dependency check-in at the end of
  breakout #1 where each team reads out what it needs from whom.
- **Low confidence.** Treat a low vote as information: ask those voting 1 or 2 for their concern
  and re-plan the part that worries them.
"""

ART_SYNC = """## Purpose and agenda

A weekly 90 minutes in which Scrum Masters, Product Owners and the RTE look at how the PI is
going across teams and take the decisions that a single team cannot.

| minutes | what |
|---|---|
| 0–10 | Metrics snapshot: predictability so far, throughput, WIP against the limit |
| 10–40 | Cross-team blockers and dependencies: the top five only |
| 40–70 | Risks: ROAM updates, decisions |
| 70–85 | Scope rebalancing between teams |
| 85–90 | Summary: decisions, action items with owners and due dates |

## Preparation checklist

- [ ] Every team posts its status in ARTops the day before
- [ ] Aging dependencies (over 14 days) reviewed by their owners
- [ ] Open action items of last week checked by their owners
- [ ] Risks that changed since last week updated on the ROAM board
- [ ] Metrics snapshot open on the shared screen

## Tips

- Read status, do not recite it: the statuses are posted before, the meeting discusses them.
- Five blockers at most; the rest are taken offline with a named owner.
- Every decision gets an owner and a due date before the meeting moves on.

## Overcoming challenges

- **The sync turns into status reporting.** Start with the snapshot and jump to the blockers; a
  team with nothing blocking says so in one sentence.
- **The same people talk every week.** Ask each Scrum Master for one risk they see in another team.
- **Action items pile up.** Open items carry into the next sync; close or re-own them first.
"""

READINESS = """## Purpose and agenda

What must be true before the train walks into PI Planning. The RTE runs through this list from
six weeks before the event; each item has an owner on the PI's readiness page, where this
checklist can be added with one button.

## Preparation checklist

- [ ] PI Planning dates on the ART calendar and invitations sent
- [ ] Business context briefing drafted with the Business Owners
- [ ] Product vision and top features ranked by WSJF
- [ ] Features refined: benefit hypothesis and acceptance criteria
- [ ] Architecture runway needs identified
- [ ] Team capacities entered for every iteration
- [ ] Last PI's unfinished features and I&A improvement items reviewed
- [ ] Facilities, remote tooling and breakout spaces ready
- [ ] Planning agenda shared with every team

## Tips

- Start six weeks out; readiness that starts a week before is a fire drill.
- Give each item one owner, not a team: someone whose name is on it.

## Overcoming challenges

- **Business Owners are not available.** Book them at the start of the previous PI and name a
  deputy for each.
- **Features are not ready.** Plan fewer features well rather than many poorly; unready ones wait
  for the next PI.
"""

PLAYBOOKS = [
    ("PI Planning", PI_PLANNING),
    ("ART Sync", ART_SYNC),
    ("PI readiness", READINESS),
]


def seed_coaching(art: ART, today, *, by: User) -> None:
    """The demo's playbooks, a community of practice session, an observation and a growth goal."""
    for title, body in PLAYBOOKS:
        if not Playbook.objects.for_art(art).filter(title=title).exists():
            services.create_playbook(art, by=by, title=title, body=body, note="Written for the Payments ART.")

    scrum_master = User.objects.filter(
        memberships__art=art, memberships__role=Role.SCRUM_MASTER, memberships__team__name="Ledger"
    ).first()
    ledger = Team.objects.for_art(art).filter(name="Ledger").first()
    if scrum_master is None or ledger is None:
        return
    if not CoPSession.objects.for_art(art).exists():
        day = today + timedelta(days=(3 - today.weekday()) % 7 or 7)  # next Thursday
        coaches = User.objects.filter(memberships__art=art, memberships__role=Role.SCRUM_MASTER).distinct()
        services.schedule_cop_session(
            art,
            by=by,
            topic="Facilitating a good retrospective",
            starts_at=datetime.combine(day, time(15, 0), tzinfo=art.tz),
            ends_at=datetime.combine(day, time(16, 0), tzinfo=art.tz),
            location="Room Atlas and the train's video call",
            notes="Bring one retrospective format that worked for your team, and one that did not.",
            attendees=list(coaches),
        )
    if not Observation.objects.filter(art=art, coach=by).exists():
        services.record_observation(
            art,
            by=by,
            coachee=scrum_master,
            team=ledger,
            event="retrospective",
            observed_on=today - timedelta(days=2),
            went_well="Everyone spoke in the first ten minutes; the silent-writing start worked.",
            suggestion="Close with one improvement and an owner, and put it on the team board before people leave.",
        )
    pi = ProgramIncrement.objects.for_art(art).current(today)
    if (
        pi is not None
        and not GrowthGoal.objects.filter(art=art, coach=by, pi=pi).exists()
        and Membership.objects.filter(art=art, user=scrum_master).exists()
    ):
        services.set_growth_goal(
            pi,
            by=by,
            coachee=scrum_master,
            goal="Facilitate the team's PI Planning breakouts without the RTE in the room",
            competency="facilitation",
            measure_of_done="Both breakouts end on time with a capacity-checked plan and drafted objectives.",
            next_check_in=today + timedelta(days=7),
        )
