"""Operators' view (superusers, cross-tenant under /admin/). Money rows are read-only
here: payments, credit and finalised invoices change only through the services."""

from django.contrib import admin

from invoicing.models import Allocation, ExchangeRate, Invoice, InvoiceLine, Receipt, TaxRate


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


@admin.register(Receipt)
class ReceiptAdmin(admin.ModelAdmin):
    list_display = [
        "client",
        "invoice",
        "amount",
        "currency",
        "received_on",
        "method",
        "base_amount",
    ]
    list_filter = ["method"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Allocation)
class AllocationAdmin(ReceiptAdmin):
    list_display = ["client", "kind", "invoice", "amount", "currency", "created_at"]
    list_filter = ["kind", "currency"]


admin.site.register(TaxRate)
admin.site.register(ExchangeRate)
