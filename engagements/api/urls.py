"""API routes of the engagements app (namespace `engagements_api`) under
/api/v1/workspaces/<workspace>/. Every route here must also be in tests/test_tenancy.py's
WORKSPACE_API table."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from engagements.api import views

app_name = "engagements_api"

router = SimpleRouter()
router.register("clients", views.ClientViewSet, basename="client")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("engagements", views.EngagementViewSet, basename="engagement")
router.register("time-entries", views.TimeEntryViewSet, basename="time-entry")
router.register("milestones", views.MilestoneViewSet, basename="milestone")
router.register("outcomes", views.OutcomeViewSet, basename="outcome")
router.register("revenue-reports", views.RevenueReportViewSet, basename="revenue-report")
router.register("expenses", views.ExpenseViewSet, basename="expense")
router.register("proposals", views.ProposalViewSet, basename="proposal")
router.register("availability", views.AvailabilityViewSet, basename="availability")
router.register("blocked-time", views.BlockedTimeViewSet, basename="blocked-time")
router.register("capacity", views.CapacityViewSet, basename="capacity")

urlpatterns = [path("workspaces/<slug:workspace>/", include(router.urls))]
