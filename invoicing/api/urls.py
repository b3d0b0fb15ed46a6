"""API routes of the invoicing app (namespace `invoicing_api`) under
/api/v1/workspaces/<workspace>/. Every route here must also be in tests/test_cross_tenant.py's
WORKSPACE_API table."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from invoicing.api.views import invoices, payments, rates, schedules

app_name = "invoicing_api"

router = SimpleRouter()
router.register("invoices", invoices.InvoiceViewSet, basename="invoice")
router.register("invoice-lines", invoices.InvoiceLineViewSet, basename="invoice-line")
router.register("payments", payments.PaymentViewSet, basename="payment")
router.register("client-credit", payments.ClientCreditViewSet, basename="client-credit")
router.register("tax-rates", rates.TaxRateViewSet, basename="tax-rate")
router.register("exchange-rates", rates.ExchangeRateViewSet, basename="exchange-rate")
router.register("reminder-rules", schedules.ReminderRuleViewSet, basename="reminder-rule")
router.register("late-fee-policy", schedules.LateFeePolicyViewSet, basename="late-fee-policy")
router.register(
    "recurring-schedules", schedules.RecurringScheduleViewSet, basename="recurring-schedule"
)

urlpatterns = [path("workspaces/<slug:workspace>/", include(router.urls))]
