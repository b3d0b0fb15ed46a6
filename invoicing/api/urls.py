"""API routes of the invoicing app (namespace `invoicing_api`) under
/api/v1/workspaces/<workspace>/. Every route here must also be in tests/test_tenancy.py's
WORKSPACE_API table."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from invoicing.api import views

app_name = "invoicing_api"

router = SimpleRouter()
router.register("invoices", views.InvoiceViewSet, basename="invoice")
router.register("invoice-lines", views.InvoiceLineViewSet, basename="invoice-line")
router.register("payments", views.PaymentViewSet, basename="payment")
router.register("client-credit", views.ClientCreditViewSet, basename="client-credit")
router.register("tax-rates", views.TaxRateViewSet, basename="tax-rate")
router.register("exchange-rates", views.ExchangeRateViewSet, basename="exchange-rate")
router.register("reminder-rules", views.ReminderRuleViewSet, basename="reminder-rule")
router.register("late-fee-policy", views.LateFeePolicyViewSet, basename="late-fee-policy")
router.register(
    "recurring-schedules", views.RecurringScheduleViewSet, basename="recurring-schedule"
)

urlpatterns = [path("workspaces/<slug:workspace>/", include(router.urls))]
