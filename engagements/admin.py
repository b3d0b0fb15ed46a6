from django.contrib import admin

from engagements.models import Client


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "currency", "email", "archived_at"]
    search_fields = ["name", "email"]
    list_filter = ["currency"]
