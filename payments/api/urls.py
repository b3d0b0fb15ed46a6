"""API routes of the payments app (namespace `payments_api`) under
/api/v1/workspaces/<workspace>/. Every route here must also be in
tests/test_cross_tenant.py's WORKSPACE_API table."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from payments.api import views

app_name = "payments_api"

router = SimpleRouter()
router.register("card-payments", views.CardPaymentViewSet, basename="card-payment")
router.register("payouts", views.PayoutViewSet, basename="payout")
router.register("stripe-account", views.StripeAccountViewSet, basename="stripe-account")

urlpatterns = [path("workspaces/<slug:workspace>/", include(router.urls))]
