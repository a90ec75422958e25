"""factory_boy factories and direct writers: the core domain, risks and dependencies.

(The ART backlog's factories are in ``tests/planning/factories.py``.) Each writes rows directly,
with no capability check, so that a test sets up exactly the state it needs.
"""

from datetime import UTC, date, datetime, timedelta

import factory

from artops import cadence
from artops.models import ART, Iteration, Membership, ProgramIncrement, Role, Team, User
from artops.signals import pi_created
from risks.models import Dependency, Risk

PASSWORD = "train-all-the-things"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    display_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ARTFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ART

    name = factory.Sequence(lambda n: f"Train {n}")
    slug = factory.Sequence(lambda n: f"train-{n}")
    time_zone = "UTC"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    art = factory.SubFactory(ARTFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    art = factory.SubFactory(ARTFactory)
    role = Role.TEAM_MEMBER
    team = factory.LazyAttribute(lambda m: TeamFactory(art=m.art) if Role(m.role).needs_team else None)


def make_pi(art: ART, *, name: str, start: date, weeks: int = 2, iterations: int = 4, state=None) -> ProgramIncrement:
    """A PI with its generated iterations, written directly (no capability check).

    Like ``services.create_pi`` it announces the new PI, so that the apps above the core add
    what a PI needs of theirs (its readiness checklist).
    """
    pi = ProgramIncrement.objects.create(
        art=art,
        name=name,
        start_date=start,
        iteration_weeks=weeks,
        development_iterations=iterations,
        end_date=cadence.pi_end_date(start, iteration_weeks=weeks, development_iterations=iterations),
        state=state or ProgramIncrement.State.PREPARING,
    )
    Iteration.objects.bulk_create(
        Iteration(pi=pi, number=p.number, name=p.name, start_date=p.start_date, end_date=p.end_date, is_ip=p.is_ip)
        for p in pi.planned_iterations()
    )
    pi_created.send(sender=ProgramIncrement, pi=pi, by=None)
    return pi


# --- risks and dependencies -------------------------------------------------------------------


class RiskFactory(factory.django.DjangoModelFactory):
    """A risk written directly, unroamed unless told. Pass ``pi`` and ``raised_by``."""

    class Meta:
        model = Risk

    art = factory.LazyAttribute(lambda risk: risk.pi.art)
    title = factory.Sequence(lambda n: f"Risk {n}")
    probability = 3
    impact = 3


# When the dependencies of the program board's tests were raised (before their PI starts).
RAISED_AT = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


class DependencyFactory(factory.django.DjangoModelFactory):
    """A dependency written directly, in any state; a closed one is closed three days after it was raised.

    Pass ``pi``, ``needing_team`` and ``owner``; it is needed by the PI's second development
    iteration unless ``needed_by`` says otherwise, and provided by ``providing_team`` or an
    ``external_party`` (a vendor by default).
    """

    class Meta:
        model = Dependency

    art = factory.LazyAttribute(lambda dependency: dependency.pi.art)
    description = factory.Sequence(lambda n: f"Something needed {n}")
    external_party = factory.LazyAttribute(lambda dependency: "" if dependency.providing_team else "Card vendor")
    providing_team = None
    needed_by = factory.LazyAttribute(lambda dependency: dependency.pi.iterations.development()[1])
    state = Dependency.State.REQUESTED
    created_at = RAISED_AT
    closed_at = factory.LazyAttribute(
        lambda dependency: dependency.created_at + timedelta(days=3) if dependency.state in Dependency.CLOSED else None
    )


def make_dependency(
    art,
    pi,
    *,
    needing,
    owner,
    providing=None,
    external: str = "",
    needed_by=None,
    planned=None,
    state: str = Dependency.State.REQUESTED,
    created_at: datetime | None = None,
    closed_at: datetime | None = None,
    description: str = "Something needed",
) -> Dependency:
    """A dependency of ``art`` written directly, in any state, dated as asked.

    Raised on 6 October 2026 unless told; closed on 20 October (or when raised) if its state is closed.
    """
    if state in Dependency.CLOSED and closed_at is None:
        closed_at = created_at or datetime(2026, 10, 20, 10, tzinfo=UTC)
    return DependencyFactory(
        art=art,
        pi=pi,
        needing_team=needing,
        providing_team=providing,
        external_party=external,
        description=description,
        needed_by=needed_by or pi.iterations.development()[1],
        planned_iteration=planned,
        owner=owner,
        state=state,
        created_at=created_at or datetime(2026, 10, 6, 10, tzinfo=UTC),
        closed_at=closed_at,
    )


def make_board_dependency(pi, *, needing_team, needed_by, owner, **fields) -> Dependency:
    """A dependency as the program board's tests write it: raised at ``RAISED_AT``, open unless ``state`` says."""
    fields.setdefault("description", "An API to call")
    fields.setdefault("external_party", "")
    return DependencyFactory(pi=pi, needing_team=needing_team, needed_by=needed_by, owner=owner, **fields)
