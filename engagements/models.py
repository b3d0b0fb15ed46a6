from django.db import models
from django_countries.fields import CountryField

from accounts.currencies import currency_choices
from accounts.tenancy import TenantModel


class Client(TenantModel):
    """An organisation the professional works for and bills."""

    workspace = models.ForeignKey(
        "accounts.Workspace", on_delete=models.CASCADE, related_name="clients"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True, help_text="Where invoices are sent.")
    contact_name = models.CharField(max_length=150, blank=True)
    currency = models.CharField(max_length=3, choices=currency_choices)
    payment_terms_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Leave empty to use the workspace's terms."
    )
    billing_address = models.TextField(blank=True)
    country = CountryField(blank=True)
    tax_id = models.CharField("tax ID", max_length=50, blank=True)
    notes = models.TextField(blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                "workspace",
                models.functions.Lower("name"),
                name="client_unique_name_per_workspace",
                violation_error_message="A client with this name already exists.",
            )
        ]

    def __str__(self) -> str:
        return self.name
