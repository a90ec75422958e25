"""What the sync pages share: the train's people and teams, objects of the train by id, answers."""

from __future__ import annotations

from django.db.models import Model, QuerySet
from django.http import Http404

from artops.models import ART, Team, User
from artops.parsing import id_or_nothing


def members(art: ART) -> list[User]:
    """The people of the train, each once, by name: owners, attendees."""
    return list(User.objects.filter(memberships__art=art).distinct().order_by("display_name", "email"))


def active_teams(art: ART) -> list[Team]:
    return list(Team.objects.for_art(art).active().order_by("name"))


def one_of(queryset: QuerySet, object_id, what: str = "That") -> Model:
    """The object ``object_id`` names among ``queryset`` (the train's own): 404 for anything else."""
    found = queryset.filter(pk=id_or_nothing(object_id)).first() if id_or_nothing(object_id) else None
    if found is None:
        raise Http404(f"{what} is not on this train.")
    return found
