"""REST API of PI Planning, one module per page family (as ``planning/views/``).

=====================  ================================================================
module                 endpoints
=====================  ================================================================
``backlog``            ``/api/features/``
``team_board``         ``/api/capacities/``, ``/api/stories/``
``objectives``         ``/api/objectives/`` (business value, totals)
``program_board``      ``/api/boards/``, ``/api/placements/`` (and their history),
                       ``/api/milestones/``
``vote``               ``/api/vote-rounds/``
``readiness``          ``/api/readiness/``
``committed_plan``     ``/api/plans/``
``jira_import``        ``/api/jira-imports/`` (upload, ``preview/``, ``confirm/``)
=====================  ================================================================

Every viewset extends ``artops.api_base.ApiViewSet``, reads ``visible_to(request.user)``
(another train's rows answer 404) and filters with the FilterSets of ``planning.filters``;
every write goes through ``planning.services``: the same capability checks, validation and
version checks as the pages. Who may change an existing object is asked before its input is
read, so that a role that may not edit learns nothing from validation. A stale version
answers 409; a deletion names the version it read with ``?version=`` (or in the body).

Wiring (in ``artops/api_urls.py``): ``planning.api.register(router)``.
"""

from planning.api import backlog, committed_plan, jira_import, objectives, program_board, readiness, team_board, vote


def register(router) -> None:
    """Add the planning endpoints to the API router of ``artops/api_urls.py``."""
    router.register("features", backlog.FeatureViewSet, basename="api-feature")
    router.register("capacities", team_board.CapacityViewSet, basename="api-capacity")
    router.register("stories", team_board.StoryViewSet, basename="api-story")
    router.register("placements", program_board.PlacementViewSet, basename="api-placement")
    router.register("objectives", objectives.ObjectiveViewSet, basename="api-objective")
    router.register("boards", program_board.BoardViewSet, basename="api-board")
    router.register("milestones", program_board.MilestoneViewSet, basename="api-milestone")
    router.register("vote-rounds", vote.VoteRoundViewSet, basename="api-vote-round")
    router.register("readiness", readiness.ReadinessViewSet, basename="api-readiness")
    router.register("plans", committed_plan.PlanViewSet, basename="api-plan")
    router.register("jira-imports", jira_import.JiraImportViewSet, basename="api-jira-import")
