"""REST API of ART execution, one module per page family (as ``sync/views/``).

=====================  ================================================================
module                 endpoints
=====================  ================================================================
``meetings``           ``/api/sync-meetings/`` (+ start, pause, resume, advance, close,
                       pick-agenda), ``/api/sync-agenda-items/`` (+ pin, move, swap),
                       ``/api/sync-decisions/``, ``/api/sync-action-items/`` (+ complete,
                       drop), ``/api/sync-team-statuses/``
``impediments``        ``/api/impediments/`` (+ escalate, resolve, drop)
``system_demos``       ``/api/system-demos/`` (+ attendance, outcome), ``/api/demo-items/``,
                       ``/api/demo-feedback/`` (+ to-backlog, close)
=====================  ================================================================

Every viewset extends ``artops.api_base.ApiViewSet``, reads ``visible_to(request.user)``
(another train's rows answer 404), filters with the FilterSets of ``sync.filters`` and writes
through ``sync.services``: the same capability checks, validation and version checks as the
pages. Who may change an existing object is asked before its input is read. Ids of another
train's objects read as unknown (400); a stale version answers 409.

Wiring (in ``artops/api_urls.py``): ``sync.api.register(router)``.
"""

from sync.api import impediments, meetings, system_demos


def register(router) -> None:
    """Add the sync endpoints to the API router of ``artops/api_urls.py``."""
    router.register("sync-meetings", meetings.MeetingViewSet, basename="api-sync-meeting")
    router.register("sync-agenda-items", meetings.AgendaItemViewSet, basename="api-sync-agenda-item")
    router.register("sync-decisions", meetings.DecisionViewSet, basename="api-sync-decision")
    router.register("sync-action-items", meetings.ActionItemViewSet, basename="api-sync-action-item")
    router.register("sync-team-statuses", meetings.TeamStatusViewSet, basename="api-sync-team-status")
    router.register("impediments", impediments.ImpedimentViewSet, basename="api-impediment")
    router.register("system-demos", system_demos.SystemDemoViewSet, basename="api-system-demo")
    router.register("demo-items", system_demos.DemoItemViewSet, basename="api-demo-item")
    router.register("demo-feedback", system_demos.DemoFeedbackViewSet, basename="api-demo-feedback")
