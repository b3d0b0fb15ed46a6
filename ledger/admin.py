"""Operators' view of the ledger (superusers, cross-tenant under /admin/): read-only.
The ledger is written by `ledger.posting` alone and the database refuses any change."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ledger.models import Account, Entry, LedgerTransaction


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EntryInline(ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = Entry
    extra = 0
    can_delete = False
    fields = readonly_fields = ("account", "amount", "currency", "document")


@admin.register(Account)
class AccountAdmin(ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "party", "currency", "type", "name", "workspace"]
    list_filter = ["type", "code", "currency"]
    search_fields = ["code", "party", "name"]


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["pk", "kind", "date", "ref", "memo", "reverses", "workspace", "created_at"]
    list_filter = ["kind"]
    search_fields = ["ref", "memo"]
    date_hierarchy = "date"
    inlines = [EntryInline]
