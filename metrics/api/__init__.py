"""REST API of the metrics (read only), one module per subject.

=====================  ================================================================
module                 endpoints
=====================  ================================================================
``predictability``     ``/api/predictability/`` (per team and train, per PI; so far / final)
``flow``               ``/api/flow/{art_slug}/`` (throughput, flow time, WIP, distribution,
                       dependency age with histogram and team × team)
``snapshots``          ``/api/train-snapshots/``, ``/api/team-snapshots/`` (the nightly history)
``forecast``           ``/api/forecasts/{art_slug}/?features=N`` or ``?pi=<id>``
=====================  ================================================================

Every viewset extends ``artops.api_base.ApiViewSet`` and reads ``visible_to(request.user)``:
another train's PI, train or snapshot answers 404, an anonymous caller 401. Numbers and ids in
query strings are read with ``artops.parsing`` (a bad one answers 400 with the reason). The
figures are the metric services' own, computed live; the snapshots are the history.

Wiring (in ``artops/api_urls.py``): ``metrics.api.register(router)``.
"""

from metrics.api import flow, forecast, predictability, snapshots


def register(router) -> None:
    """Add the metrics endpoints to the API router of ``artops/api_urls.py``."""
    router.register("predictability", predictability.PredictabilityViewSet, basename="api-predictability")
    router.register("flow", flow.FlowViewSet, basename="api-flow")
    router.register("train-snapshots", snapshots.TrainSnapshotViewSet, basename="api-train-snapshot")
    router.register("team-snapshots", snapshots.TeamSnapshotViewSet, basename="api-team-snapshot")
    router.register("forecasts", forecast.ForecastViewSet, basename="api-forecast")
