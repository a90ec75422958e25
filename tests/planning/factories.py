"""factory_boy factories of the ART backlog."""

import factory

from planning.models import (
    Feature,
    FeatureCounter,
    FeaturePlacement,
    PIObjective,
    Story,
    TeamCapacity,
    key_prefix,
)
from tests.factories import ARTFactory


class FeatureFactory(factory.django.DjangoModelFactory):
    """A feature written directly (no capability check), keyed like the service keys it."""

    class Meta:
        model = Feature

    art = factory.SubFactory(ARTFactory)
    key = factory.LazyAttribute(lambda f: f"{key_prefix(f.art)}-{FeatureCounter.next_number(f.art)}")
    title = factory.Sequence(lambda n: f"Feature {n}")
    type = Feature.Type.BUSINESS
    user_business_value = 1
    time_criticality = 1
    risk_reduction = 1
    job_size = 1


class StoryFactory(factory.django.DjangoModelFactory):
    """A story written directly. Pass ``team`` and ``pi`` (and ``iteration`` to plan it)."""

    class Meta:
        model = Story

    title = factory.Sequence(lambda n: f"Story {n}")
    points = 3


class CapacityFactory(factory.django.DjangoModelFactory):
    """A team's capacity for an iteration, written directly: 5 FTE, no time off → 40 points."""

    class Meta:
        model = TeamCapacity

    fte = 5


class PlacementFactory(factory.django.DjangoModelFactory):
    """A feature placement written directly. Pass ``feature``, ``team`` and ``iteration``."""

    class Meta:
        model = FeaturePlacement


class ObjectiveFactory(factory.django.DjangoModelFactory):
    """A PI objective written directly. Pass ``team`` and ``pi``."""

    class Meta:
        model = PIObjective

    statement = factory.Sequence(lambda n: f"Objective {n}")
    committed = True
