"""factory_boy factories for the core domain."""

from datetime import date

import factory

from artops import cadence
from artops.models import ART, Iteration, Membership, ProgramIncrement, Role, Team, User
from artops.signals import pi_created

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
