"""Seeding trains for the benchmark: bulk inserts, a handful of queries per table and PI.

A train has its teams, its people (an RTE, Product Management, a Business Owner, and per team
a Scrum Master, a Product Owner and developers) and PIs. Each PI is filled with features
ranked by WSJF, their placements (a third of the features delivered by two teams), open
dependencies between the teams' cards (some on parties outside the train, some not planned
yet), a few closed ones, and milestones. Everything is drawn from a seeded random generator,
so that two runs seed the same data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth.hashers import make_password

from artops import cadence
from artops.models import ART, Iteration, Membership, ProgramIncrement, Role, Team, User
from planning.models import FIBONACCI, BoardClock, Feature, FeatureCounter, FeaturePlacement, Milestone, key_prefix
from risks.models import Dependency

ITERATION_WEEKS = 2
FIRST_START = date(2025, 1, 6)
DEVELOPERS_PER_TEAM = 6
PARTIES = ("Card Vendor", "Core Banking ART", "Security Office", "Data Platform ART")
OPEN_STATES = (
    Dependency.State.REQUESTED,
    Dependency.State.COMMITTED,
    Dependency.State.AT_RISK,
    Dependency.State.BLOCKED,
)
BATCH = 2000


@dataclass(frozen=True)
class Size:
    """How big one PI of a train is."""

    label: str
    teams: int = 12
    development_iterations: int = 4
    features: int = 300
    dependencies: int = 500

    @property
    def iterations(self) -> int:
        """Development iterations and the IP iteration."""
        return self.development_iterations + 1


# DESIGN.md, "Performance": a large train.
REFERENCE = Size("reference")
TEN_TIMES = Size("10x features", features=REFERENCE.features * 10)
# The room bench (``bench.room``): the lines grow with the cards.
TEN_TIMES_BOTH = Size(
    "10x features and dependencies", features=REFERENCE.features * 10, dependencies=REFERENCE.dependencies * 10
)


@dataclass
class Train:
    """A seeded train: its RTE (who reads the board) and its PIs by the label of their size."""

    art: ART
    rte: User
    teams: list[Team]
    pis: dict[str, ProgramIncrement] = field(default_factory=dict)
    features_made: int = 0


def generator(seed: int) -> random.Random:
    """The random generator every seeding draws from: the same seed, the same data."""
    return random.Random(seed)  # noqa: S311 (sample data, not secrets)


def _pi_start(index: int, development_iterations: int) -> date:
    return FIRST_START + timedelta(weeks=index * ITERATION_WEEKS * (development_iterations + 1))


def make_train(name: str, slug: str, *, teams: int, password: str | None = None) -> Train:
    """A train with its teams and its people: four queries or so."""
    art = ART.objects.create(name=name, slug=slug, time_zone="UTC")
    crew = Team.objects.bulk_create(Team(art=art, name=f"{name} team {index + 1:02d}") for index in range(teams))
    hashed = make_password(password)
    people: list[tuple[User, Role, Team | None]] = []

    def person(role: Role, team: Team | None, label: str) -> User:
        number = len(people) + 1
        user = User(email=f"{slug}-{number}@bench.example", display_name=f"{label} {number}", password=hashed)
        people.append((user, role, team))
        return user

    rte = person(Role.RTE, None, "RTE")
    person(Role.PRODUCT_MANAGEMENT, None, "Product manager")
    person(Role.BUSINESS_OWNER, None, "Business owner")
    for team in crew:
        person(Role.SCRUM_MASTER, team, "Scrum master")
        person(Role.PRODUCT_OWNER, team, "Product owner")
        for _ in range(DEVELOPERS_PER_TEAM):
            person(Role.TEAM_MEMBER, team, "Developer")
    User.objects.bulk_create(user for user, _, _ in people)
    Membership.objects.bulk_create(Membership(user=user, art=art, role=role, team=team) for user, role, team in people)
    return Train(art=art, rte=rte, teams=crew)


def make_pi(
    train: Train, *, name: str, index: int, development_iterations: int, past: bool = False
) -> ProgramIncrement:
    """The ``index``-th PI of the train (they follow each other), with its generated iterations."""
    start = _pi_start(index, development_iterations)
    pi = ProgramIncrement.objects.create(
        art=train.art,
        name=name,
        start_date=start,
        iteration_weeks=ITERATION_WEEKS,
        development_iterations=development_iterations,
        end_date=cadence.pi_end_date(
            start, iteration_weeks=ITERATION_WEEKS, development_iterations=development_iterations
        ),
        state=ProgramIncrement.State.CLOSED if past else ProgramIncrement.State.PLANNING,
    )
    Iteration.objects.bulk_create(
        Iteration(pi=pi, number=p.number, name=p.name, start_date=p.start_date, end_date=p.end_date, is_ip=p.is_ip)
        for p in pi.planned_iterations()
    )
    return pi


def fill_pi(train: Train, pi: ProgramIncrement, size: Size, *, rng: random.Random, past: bool = False) -> None:
    """Features, placements, dependencies and milestones of one PI, in bulk."""
    art, teams = train.art, train.teams[: size.teams]
    development = list(pi.iterations.filter(is_ip=False).order_by("number"))
    prefix = key_prefix(art)
    first = train.features_made + 1
    features = Feature.objects.bulk_create(
        (
            Feature(
                art=art,
                key=f"{prefix}-{number}",
                title=f"Feature {number}: {rng.choice(('payouts', 'refunds', 'ledger', 'fraud checks', 'reports'))}",
                type=Feature.Type.ENABLER if number % 5 == 0 else Feature.Type.BUSINESS,
                state=Feature.State.DONE if past else rng.choice((Feature.State.BACKLOG, Feature.State.IMPLEMENTING)),
                pi=pi,
                description="Seeded for the benchmark.",
                user_business_value=rng.choice(FIBONACCI),
                time_criticality=rng.choice(FIBONACCI),
                risk_reduction=rng.choice(FIBONACCI),
                job_size=rng.choice(FIBONACCI),
            )
            for number in range(first, first + size.features)
        ),
        batch_size=BATCH,
    )
    train.features_made += size.features
    FeatureCounter.objects.update_or_create(art=art, defaults={"last_number": train.features_made})

    placements = []
    for index, feature in enumerate(features):
        team = teams[index % len(teams)]
        placements.append(FeaturePlacement(feature=feature, team=team, iteration=rng.choice(development)))
        if index % 3 == 0 and len(teams) > 1:
            helper = teams[(index + 1 + index // 3) % len(teams)]
            if helper == team:
                helper = teams[(index + 1) % len(teams)]
            placements.append(FeaturePlacement(feature=feature, team=helper, iteration=rng.choice(development)))
    placements = FeaturePlacement.objects.bulk_create(placements, batch_size=BATCH)

    raised = datetime.combine(pi.start_date, datetime.min.time(), tzinfo=UTC) - timedelta(days=14)
    dependencies = []
    for index in range(size.dependencies):
        needing = rng.choice(placements)
        fields: dict = {
            "needing_team_id": needing.team_id,
            "needing_feature_id": needing.feature_id,
            "needed_by": rng.choice(development),
            "planned_iteration": None if index % 6 == 0 else rng.choice(development),
        }
        providing = rng.choice(placements)
        if index % 10 == 0 or len(teams) < 2 or providing.team_id == needing.team_id:
            fields.update(external_party=PARTIES[index % len(PARTIES)], planned_iteration=None)
        elif index % 10 == 1:
            fields.update(providing_team_id=providing.team_id, needing_feature_id=None)
        else:
            fields.update(providing_team_id=providing.team_id, providing_feature_id=providing.feature_id)
        state = Dependency.State.DELIVERED if past and index % 2 else OPEN_STATES[index % len(OPEN_STATES)]
        dependencies.append(
            Dependency(
                art=art,
                pi=pi,
                description=f"Dependency {index + 1}: an interface to call",
                owner=train.rte,
                state=state,
                created_at=raised + timedelta(hours=index),
                closed_at=raised + timedelta(days=30) if state in Dependency.CLOSED else None,
                **fields,
            )
        )
    # Closed ones too: the board leaves them out.
    for index in range(size.dependencies // 10):
        needing = placements[index % len(placements)]
        dependencies.append(
            Dependency(
                art=art,
                pi=pi,
                description=f"Delivered dependency {index + 1}",
                needing_team_id=needing.team_id,
                external_party=PARTIES[index % len(PARTIES)],
                needed_by=development[0],
                owner=train.rte,
                state=Dependency.State.DELIVERED,
                created_at=raised,
                closed_at=raised + timedelta(days=10),
            )
        )
    Dependency.objects.bulk_create(dependencies, batch_size=BATCH)

    Milestone.objects.bulk_create(
        Milestone(pi=pi, name=f"Milestone {number + 1}", date=pi.start_date + timedelta(days=9 * number + 3))
        for number in range(6)
    )
    BoardClock.tick(pi.pk)


def seed_history(*, arts: int, pis: int, size: Size = REFERENCE, rng: random.Random) -> None:
    """Other trains, each with past PIs as big as the reference: the tables the board's queries must skip."""
    for number in range(1, arts + 1):
        train = make_train(f"History ART {number}", f"history-{number}", teams=size.teams)
        for index in range(pis):
            pi = make_pi(
                train,
                name=f"PI {number}.{index + 1}",
                index=index,
                development_iterations=size.development_iterations,
                past=True,
            )
            fill_pi(train, pi, size, rng=rng, past=True)


def seed_train(
    sizes: list[Size],
    *,
    past_pis: int = 2,
    rng: random.Random,
    password: str | None = None,
    name: str = "Reference ART",
    slug: str = "reference",
) -> Train:
    """The train under test: ``past_pis`` past PIs at the first size, then one PI per size.

    ``name`` and ``slug`` tell two trains under test apart in one database (the board's and the room's).
    """
    teams = max(size.teams for size in sizes)
    train = make_train(name, slug, teams=teams, password=password)
    first = sizes[0]
    for index in range(past_pis):
        pi = make_pi(
            train,
            name=f"Past PI {index + 1}",
            index=index,
            development_iterations=first.development_iterations,
            past=True,
        )
        fill_pi(train, pi, first, rng=rng, past=True)
    for offset, size in enumerate(sizes):
        pi = make_pi(
            train, name=f"PI {size.label}", index=past_pis + offset, development_iterations=size.development_iterations
        )
        fill_pi(train, pi, size, rng=rng)
        train.pis[size.label] = pi
    return train
