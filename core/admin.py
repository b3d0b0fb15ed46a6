"""Operators' view of the outbox (superusers, under /admin/): read-only; the relay and
`manage.py outbox_relay` are what change it."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["task", "created_at", "sent_at", "attempts", "available_at", "last_error"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter), "task"]
    search_fields = ["id", "task"]
    ordering = ["-created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
