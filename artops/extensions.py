"""Named extension points through which the higher apps contribute to pages of the lower ones.

Apps depend only downward (DESIGN.md): ``artops`` knows nothing of planning, risks, sync or
metrics, and ``sync`` nothing of metrics. Yet the train's home shows how the PI is going, the
ART Sync opens with a metrics snapshot, and the calendar links each event to its meeting. So a
lower page asks a named point, and each higher app registers its provider in its
``AppConfig.ready()``. A point with no provider gives nothing, and the page shows nothing there.

The points in use:

- ``ART_HOME_PANELS``: ``provider(*, art, pi, user, today) -> Panel | None``; panels on the
  train's home, ordered by ``Panel.order``.
- ``ART_HOME_FIGURES``: ``provider(*, art, pi, next_pi, user, today) -> Iterable[Figure]``; the
  cockpit of the train's home: one number each (red dependencies, an open vote, readiness…),
  leading to the page that shows what it counts, ordered by ``Figure.order``. A provider answers
  in a constant number of queries (an aggregate), whatever the size of the train.
- ``SYNC_METRICS_SNAPSHOT``: ``provider(*, art, pi, today) -> Panel | None``; the first section
  of an ART Sync.
- ``BACKLOG_FEATURES``: ``provider(queryset) -> queryset``; annotations the ART backlog's
  features get from higher apps (metrics marks the features that are I&A improvement items),
  in the backlog's own query: no query more.
- ``CALENDAR_EVENT_LINKS``: ``provider(*, events) -> dict[event id, url]``; where each calendar
  event leads (its sync meeting, its System Demo…). One call for all the events of a page, so
  a provider answers in a constant number of queries.
- ``IMPORTED_BLOCKING_LINKS``: ``provider(*, art, links, by, save) -> dict[link index, refusal]``;
  the "blocks" links of an imported Jira export between issues of different teams (see
  ``planning.jira_import.BlockingLink``), which a provider turns into dependencies when ``save``
  (inside the import's transaction) and only checks otherwise. Its answer names each link it
  refuses, so the import refuses the whole file; read with ``links()``.

Providers are called with keyword arguments only, so a point can grow an argument without
breaking them (they take ``**_``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ART_HOME_PANELS = "art_home.panels"
ART_HOME_FIGURES = "art_home.figures"
SYNC_METRICS_SNAPSHOT = "sync.metrics_snapshot"
CALENDAR_EVENT_LINKS = "calendar.event_links"
BACKLOG_FEATURES = "planning.backlog_features"
IMPORTED_BLOCKING_LINKS = "planning.imported_blocking_links"

_providers: dict[str, list[Callable[..., Any]]] = {}


@dataclass(frozen=True)
class Panel:
    """A piece of a page rendered from ``template`` with ``context`` (the template sees ``panel``)."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


@dataclass(frozen=True)
class Figure:
    """One number of the train's cockpit: ``value`` (shown big), what it counts (``label``), a short
    ``note`` under it, and the page behind it (``url``). ``tone`` is "alert" (act now), "warn" or
    "" (nothing to act on), told by a word as well as a colour on the page."""

    key: str
    label: str
    value: int | str
    url: str
    note: str = ""
    tone: str = ""
    order: int = 100


def register(point: str, provider: Callable[..., Any]) -> None:
    """Add ``provider`` to ``point``; registering the same provider twice keeps one."""
    providers = _providers.setdefault(point, [])
    if provider not in providers:
        providers.append(provider)


def panels(point: str, **context) -> list[Panel]:
    """The panels the providers of ``point`` give for ``context``, in their order."""
    found = [panel for provider in _providers.get(point, []) if (panel := provider(**context)) is not None]
    return sorted(found, key=lambda panel: panel.order)


def figures(point: str, **context) -> list[Figure]:
    """The figures every provider of ``point`` gives for ``context``, in their order."""
    found = [figure for provider in _providers.get(point, []) for figure in provider(**context)]
    return sorted(found, key=lambda figure: figure.order)


def links(point: str, **context) -> dict[int, str]:
    """The merged ``{id: url}`` answers of the providers of ``point``."""
    merged: dict[int, str] = {}
    for provider in _providers.get(point, []):
        merged.update(provider(**context))
    return merged


def annotated(point: str, queryset):
    """``queryset`` with what each provider of ``point`` adds to it (annotations), in their order."""
    for provider in _providers.get(point, []):
        queryset = provider(queryset)
    return queryset
