"""API routes of the engagements app, mounted under /api/v1/workspaces/<workspace>/."""

from rest_framework.routers import SimpleRouter

from engagements.api.views import ClientViewSet

router = SimpleRouter()
router.register("clients", ClientViewSet, basename="client")

urlpatterns = router.urls
