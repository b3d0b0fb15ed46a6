"""The columns of the CSV files people import (and the clients export writes, so a round
trip works): names, whether required, and the help the import page and templates show."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    help: str
    example: str = ""


CLIENT_COLUMNS = [
    Column("name", True, "The organisation's name; unique in the workspace.", "Acme Ltd"),
    Column("email", False, "Where invoices are sent.", "ap@acme.example"),
    Column("contact_name", False, "Your contact there.", "Jo Smith"),
    Column("currency", False, "ISO code (USD, EUR, JPY…). Empty: the workspace's currency.", "EUR"),
    Column("payment_terms_days", False, "Whole days. Empty: the workspace's payment terms.", "30"),
    Column("billing_address", False, "Several lines inside one quoted cell.", "1 Main St\nDublin"),
    Column("country", False, "Two-letter code (IE) or English name (Ireland).", "IE"),
    Column("tax_id", False, "VAT or tax number.", "IE1234567T"),
    Column("notes", False, "Anything else.", ""),
]

TIME_COLUMNS = [
    Column(
        "engagement", True, "The engagement's name (or its id, from the export).", "Website rebuild"
    ),
    Column("date", True, "YYYY-MM-DD.", "2026-11-02"),
    Column("minutes", False, "Whole minutes, 1–1440. Give minutes or hours.", "90"),
    Column("hours", False, "Decimal hours (1.5) or h:mm (1:30). Give minutes or hours.", ""),
    Column("description", False, "What you did (up to 500 characters).", "Kick-off workshop"),
    Column("billable", False, "yes/no, true/false or 1/0. Empty: yes.", "yes"),
    Column("user", False, "A member's email. Empty: you.", ""),
]
# Accepted spellings of a header, beyond the column's own name (compared case-insensitively,
# with spaces and hyphens read as underscores).
HEADER_ALIASES = {
    "user_email": "user",
    "email_of_user": "user",
    "engagement_id": "engagement",
    "engagement_name": "engagement",
    "payment_terms": "payment_terms_days",
    "contact": "contact_name",
}


def hours_text(minutes: int) -> str:
    return str((Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
