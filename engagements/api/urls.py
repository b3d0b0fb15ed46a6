"""API routes of the engagements app (namespace `engagements_api`) under
/api/v1/workspaces/<workspace>/. Every route here must also be in tests/test_cross_tenant.py's
WORKSPACE_API table."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from engagements.api.views import capacity, clients, engagements, proposals, records

app_name = "engagements_api"

router = SimpleRouter()
router.register("clients", clients.ClientViewSet, basename="client")
router.register("contacts", clients.ContactViewSet, basename="contact")
router.register("engagements", engagements.EngagementViewSet, basename="engagement")
router.register("time-entries", records.TimeEntryViewSet, basename="time-entry")
router.register("milestones", records.MilestoneViewSet, basename="milestone")
router.register("outcomes", records.OutcomeViewSet, basename="outcome")
router.register("revenue-reports", records.RevenueReportViewSet, basename="revenue-report")
router.register("expenses", records.ExpenseViewSet, basename="expense")
router.register("proposals", proposals.ProposalViewSet, basename="proposal")
router.register("availability", capacity.AvailabilityViewSet, basename="availability")
router.register("blocked-time", capacity.BlockedTimeViewSet, basename="blocked-time")
router.register("capacity", capacity.CapacityViewSet, basename="capacity")

urlpatterns = [path("workspaces/<slug:workspace>/", include(router.urls))]
