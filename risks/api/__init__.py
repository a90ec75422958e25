"""REST API of risks and dependencies, one module per page family (as ``risks/views/``).

``roam_board``: ``/api/risks/``; ``dependencies``: ``/api/dependencies/``. They ask the same
capabilities as the ROAM board and the dependency pages.

Every viewset extends ``artops.api_base.ApiViewSet``, reads ``visible_to(request.user)``
(another train's rows answer 404) and filters with the FilterSets the pages use; every write
goes through ``risks.services``, which checks the capability, the rules and the version. Who
may change an existing risk or dependency is asked before its input is read, so that a role
that may not change it learns nothing from validation. Ids of another train's PI, team,
iteration, feature or person read as unknown (400). A stale version answers 409.

Wiring (in ``artops/api_urls.py``): ``risks.api.register(router)``.
"""

from risks.api import dependencies, roam_board


def register(router) -> None:
    """Add the risks endpoints to the API router of ``artops/api_urls.py``."""
    router.register("risks", roam_board.RiskViewSet, basename="api-risk")
    router.register("dependencies", dependencies.DependencyViewSet, basename="api-dependency")
