"""Operators' view (superusers, cross-tenant under /admin/). Money rows are read-only
here: payments, credit and finalised invoices change only through the services."""

from django.contrib import admin

from invoicing.models import ClientCredit, ExchangeRate, Invoice, InvoiceLine, Payment, TaxRate


class ReadOnlyLines(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False
    fields = readonly_fields = ("description", "quantity", "unit_price", "tax_name", "total_amount")


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "workspace",
        "client",
        "kind",
        "status",
        "total",
        "currency",
        "due_date",
    ]
    list_filter = ["status", "kind", "currency"]
    search_fields = ["number", "client__name"]
    inlines = [ReadOnlyLines]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["invoice", "amount", "currency", "received_on", "method", "base_amount"]
    list_filter = ["method"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ClientCredit)
class ClientCreditAdmin(PaymentAdmin):
    list_display = ["client", "amount", "currency", "reason", "created_at"]
    list_filter = ["currency"]


admin.site.register(TaxRate)
admin.site.register(ExchangeRate)
