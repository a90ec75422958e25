"""URLs under /api/: the core domain's endpoints, the OpenAPI schema and its browsable docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from artops import api
from artops.calendar import api as calendar_api
from artops.coaching import api as coaching_api
from artops.onboarding import api as onboarding_api
from metrics import api as metrics_api
from metrics.ia import api as ia_api
from planning import api as planning_api
from risks import api as risks_api
from sync import api as sync_api

router = DefaultRouter()
router.register("arts", api.ARTViewSet, basename="api-art")
router.register("teams", api.TeamViewSet, basename="api-team")
router.register("memberships", api.MembershipViewSet, basename="api-membership")
router.register("pis", api.ProgramIncrementViewSet, basename="api-pi")
router.register("iterations", api.IterationViewSet, basename="api-iteration")
planning_api.register(router)
risks_api.register(router)
calendar_api.register(router)
onboarding_api.register(router)
coaching_api.register(router)
metrics_api.register(router)
ia_api.register(router)
sync_api.register(router)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its init script as a file of its own, as the CSP (script-src 'self') requires.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
]
