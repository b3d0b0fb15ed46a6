"""The operators' admin. `core.tenancy.TenantMiddleware` disables tenant scopes under
/admin/, which is for superusers only: it is the one deliberate cross-tenant view of the
data."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from accounts.models import ApiToken, AuditEntry, Invitation, Membership, User, Workspace


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "date_joined"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "country", "base_currency", "created_at"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "workspace", "role", "status", "expires_at"]
    list_filter = ["status", "role"]
    exclude = ["token_hash"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "user",
        "workspace",
        "key_hint",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = ["key_hint", "created_at", "last_used_at"]
    exclude = ["key_hash"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "workspace", "actor", "action", "object_type", "object_id"]
    list_filter = ["action"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # append-only

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
