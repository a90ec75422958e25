"""factory_boy factories of the ART backlog."""

import factory

from planning.models import Feature, FeatureCounter, key_prefix
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
