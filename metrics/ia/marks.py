"""What Inspect & Adapt adds to the pages of lower apps (through ``artops.extensions``)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from metrics.ia.models import ImprovementItem


def mark_improvements(features: QuerySet) -> QuerySet:
    """The ART backlog's features, each with ``is_improvement``: it is an I&A improvement item (same query)."""
    return features.annotate(is_improvement=Exists(ImprovementItem.objects.filter(feature_id=OuterRef("pk"))))
