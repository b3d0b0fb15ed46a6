"""The terms of each pay model, defined once: which `Engagement` columns a pay model uses,
which it requires, and which price billing (frozen once anything is invoiced).

The services validate and freeze with these, the engagement and proposal forms clear
another model's terms with them, and the API and the CSV export list them in this order."""

from __future__ import annotations

from dataclasses import dataclass

from engagements.models import PayModel


@dataclass(frozen=True)
class PayModelTerms:
    uses: tuple[str, ...]  # the columns its arithmetic reads; the rest are cleared on save
    required: tuple[str, ...]  # an engagement under this model is invalid without them


TERMS: dict[str, PayModelTerms] = {
    PayModel.HOURLY: PayModelTerms(
        uses=("hourly_rate", "weekly_hour_cap"), required=("hourly_rate",)
    ),
    PayModel.FIXED_FEE: PayModelTerms(uses=(), required=()),
    PayModel.RETAINER: PayModelTerms(
        uses=(
            "retainer_fee",
            "retainer_included_hours",
            "retainer_overage_rate",
            "rollover_cap_hours",
            "rollover_expiry_months",
            "billing_day",
        ),
        required=(
            "retainer_fee",
            "retainer_included_hours",
            "retainer_overage_rate",
            "billing_day",
        ),
    ),
    PayModel.BOUNTY: PayModelTerms(uses=(), required=()),
    PayModel.REVENUE_SHARE: PayModelTerms(
        uses=(
            "revenue_share_percent",
            "revenue_share_floor",
            "revenue_share_cap",
            "revenue_period",
            "revenue_basis",
        ),
        required=("revenue_share_percent", "revenue_period"),
    ),
}

# Every pay-model term, in the order forms, the API and exports show them.
ALL_TERMS: tuple[str, ...] = tuple(name for terms in TERMS.values() for name in terms.uses)

# Text columns: "not used" is an empty string there, None elsewhere.
TEXT_TERMS = frozenset({"revenue_period", "revenue_basis"})

# Amounts in the engagement's currency (rates are per hour and keep their precision).
MONEY_TERMS = frozenset({"retainer_fee", "revenue_share_floor", "revenue_share_cap"})

# Terms that only inform (a warning, a note): changing them changes no invoiced amount.
_INFORMATIVE_TERMS = frozenset({"weekly_hour_cap", "revenue_basis"})

# What decides amounts already invoiced: frozen once anything is billed.
BILLING_TERMS = frozenset(
    {"client", "pay_model", "currency", "start_date"}
    | {name for name in ALL_TERMS if name not in _INFORMATIVE_TERMS}
)


def terms_used(pay_model: str | None) -> tuple[str, ...]:
    """The terms a pay model uses; none for an unknown one."""
    terms = TERMS.get(pay_model or "")
    return terms.uses if terms else ()


def unused_term_value(name: str) -> str | None:
    """What a term another pay model uses is set to: nothing."""
    return "" if name in TEXT_TERMS else None
