"""What a proposal offers, as the client reads it: the pay model's price facts, its terms
in sentences, and — for a fixed fee and a bounty, whose price is their parts — the
milestones or outcomes with their amounts. One reading for the client's page, the
professional's page and the email, so all three show the same terms before accept.

Read at render time from the engagement, so milestones or outcomes added to the proposed
engagement after the proposal was saved are part of it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from babel.numbers import format_decimal

from core.money import ZERO, format_money, format_rate
from engagements.models import Engagement, PayModel


def _money(amount: Decimal | None, currency: str) -> str:
    return format_money(amount, currency) if amount is not None else "—"


def _rate(rate: Decimal | None, currency: str) -> str:
    return format_rate(rate, currency) if rate is not None else "—"


def _number(value: Decimal | None) -> str:
    return format_decimal(value, format="#,##0.##", locale="en") if value is not None else "—"


def _date(day: dt.date | None) -> str:
    return f"{day:%B} {day.day}, {day.year}" if day else ""


@dataclass(frozen=True)
class PricedItem:
    """A milestone or an outcome: what is delivered and what it costs."""

    title: str
    amount: str
    note: str = ""


@dataclass(frozen=True)
class ProposalTerms:
    pay_model: str  # its label
    facts: list[tuple[str, str]]  # (label, value): the price at a glance
    lines: list[str]  # the terms in sentences
    items_heading: str = ""  # "Milestones" or "Outcomes", when the price is made of parts
    amount_heading: str = ""
    items: list[PricedItem] = field(default_factory=list)
    total_label: str = ""
    total: str = ""
    missing_price: str = ""  # why no price shows yet (a fixed fee without milestones)


def terms_in_words(engagement: Engagement) -> list[str]:
    """The pay model's terms as sentences a client reads, not field names."""
    return proposal_terms(engagement).lines


def proposal_terms(engagement: Engagement) -> ProposalTerms:
    e, cur = engagement, engagement.currency
    facts: list[tuple[str, str]] = []
    lines: list[str] = []
    items: list[PricedItem] = []
    extra: dict[str, str] = {}
    if e.pay_model == PayModel.HOURLY:
        facts.append(("Hourly rate", _rate(e.hourly_rate, cur)))
        lines.append(f"{_rate(e.hourly_rate, cur)} per hour worked, billed from time records.")
        if e.weekly_hour_cap:
            facts.append(("Weekly cap", f"{_number(e.weekly_hour_cap)} hours"))
            lines.append(f"At most {_number(e.weekly_hour_cap)} hours a week.")
    elif e.pay_model == PayModel.FIXED_FEE:
        milestones = list(e.milestones.order_by("due_date", "pk")) if e.pk else []
        total = sum((m.amount for m in milestones), ZERO)
        items = [
            PricedItem(
                m.title,
                _money(m.amount, cur),
                f"Due {_date(m.due_date)}" if m.due_date else "",
            )
            for m in milestones
        ]
        extra = {"items_heading": "Milestones", "amount_heading": "Amount"}
        if milestones:
            facts.append(("Fixed fee", _money(total, cur)))
            facts.append(("Milestones", str(len(milestones))))
            lines.append(
                f"A fixed fee of {_money(total, cur)}, invoiced per milestone as each "
                "deliverable is accepted."
            )
            extra |= {"total_label": "Fixed fee", "total": _money(total, cur)}
        else:
            facts.append(("Fixed fee", "Not priced yet"))
            lines.append("A fixed fee, invoiced per milestone as each deliverable is accepted.")
            extra["missing_price"] = "No milestones yet: the fee is the sum of their amounts."
    elif e.pay_model == PayModel.RETAINER:
        facts += [
            ("Monthly fee", _money(e.retainer_fee, cur)),
            ("Included hours", f"{_number(e.retainer_included_hours)} a month"),
            ("Overage rate", f"{_rate(e.retainer_overage_rate, cur)} / hour"),
            ("Billing day", f"Day {e.billing_day} of the month" if e.billing_day else "—"),
        ]
        lines.append(
            f"{_money(e.retainer_fee, cur)} a month, invoiced in advance on day "
            f"{e.billing_day} of each month, including {_number(e.retainer_included_hours)} "
            "hours."
        )
        lines.append(f"Hours beyond those: {_rate(e.retainer_overage_rate, cur)} per hour.")
        if e.rollover_cap_hours:
            expiry = (
                f", expiring after {e.rollover_expiry_months} months"
                if e.rollover_expiry_months
                else ""
            )
            lines.append(
                f"Unused hours carry over to the next month, up to "
                f"{_number(e.rollover_cap_hours)} hours{expiry}."
            )
        else:
            lines.append("Unused hours do not carry over.")
    elif e.pay_model == PayModel.BOUNTY:
        outcomes = list(e.outcomes.order_by("pk")) if e.pk else []
        total = sum((o.fee for o in outcomes), ZERO)
        items = [PricedItem(o.description, _money(o.fee, cur)) for o in outcomes]
        extra = {"items_heading": "Outcomes", "amount_heading": "Fee"}
        if outcomes:
            fees = {o.fee for o in outcomes}
            if len(fees) == 1:
                facts.append(("Fee per outcome", _money(outcomes[0].fee, cur)))
            facts.append(("All outcomes", _money(total, cur)))
            extra |= {"total_label": "If every outcome is achieved", "total": _money(total, cur)}
        else:
            facts.append(("Fee per outcome", "Not priced yet"))
            extra["missing_price"] = "No outcomes yet: each has its own fee."
        lines.append("A fee for each agreed outcome, owed once you accept that it was achieved.")
    elif e.pay_model == PayModel.REVENUE_SHARE:
        period = (e.get_revenue_period_display() or "each period").lower()
        facts.append(("Revenue share", f"{_number(e.revenue_share_percent)}%"))
        facts.append(("Period", period.capitalize()))
        facts.append(
            ("Floor", _money(e.revenue_share_floor, cur) if e.revenue_share_floor else "None")
        )
        facts.append(("Cap", _money(e.revenue_share_cap, cur) if e.revenue_share_cap else "None"))
        lines.append(f"{_number(e.revenue_share_percent)}% of the revenue you report, {period}.")
        if e.revenue_share_floor is not None:
            lines.append(f"At least {_money(e.revenue_share_floor, cur)} a period.")
        if e.revenue_share_cap is not None:
            lines.append(f"At most {_money(e.revenue_share_cap, cur)} a period.")
        if e.revenue_basis:
            lines.append(f"Revenue means: {e.revenue_basis}")
    facts.append(("Currency", cur))
    lines.append(f"All amounts in {cur}.")
    return ProposalTerms(
        pay_model=e.get_pay_model_display(),
        facts=facts,
        lines=lines,
        items=items,
        **extra,
    )
