"""API routes of the invoicing app under /api/v1/workspaces/<workspace>/."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()

urlpatterns = router.urls
