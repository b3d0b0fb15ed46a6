"""Late fees: fixed or interest under the workspace's policy, charged once unless voided,
nothing before the due date."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from invoicing import services
from invoicing.models import InvoiceLine
from invoicing.services import late_fees
from tests.invoicing.schedule_helpers import S, open_invoice


# --- Late fees -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "fields", "days_late", "expected"),
    [
        ("fixed", {"fixed_amount": D("40")}, 1, "40.00"),
        ("fixed", {"fixed_amount": D("40"), "grace_days": 5}, 5, "0"),
        ("fixed", {"fixed_amount": D("40"), "grace_days": 5}, 6, "40.00"),
        # 1,000 × 8 % × 30 / 365 = 6.575… → 6.58
        ("interest", {"annual_interest_percent": D("8")}, 30, "6.58"),
        ("none", {}, 30, "0"),
    ],
)
def test_late_fee_fixed_and_interest(scoped, kind, fields, days_late, expected):
    today = timezone.localdate()
    invoice = open_invoice(scoped, due=today - dt.timedelta(days=days_late))
    late_fees.late_fee_policy_save(workspace=scoped.a, actor=scoped.alice, kind=kind, **fields)
    assert late_fees.invoice_late_fee(invoice=invoice, today=today) == D(expected)


def test_late_fee_policy_needs_its_figure(scoped):
    with pytest.raises(ValidationError) as exc:
        late_fees.late_fee_policy_save(workspace=scoped.a, actor=scoped.alice, kind="interest")
    assert "annual_interest_percent" in exc.value.message_dict


def test_charge_late_fee_once_unless_voided(scoped):
    today = timezone.localdate()
    invoice = open_invoice(scoped, due=today - dt.timedelta(days=30))
    late_fees.late_fee_policy_save(
        workspace=scoped.a, actor=scoped.alice, kind="interest", annual_interest_percent=D("8")
    )
    fee = late_fees.invoice_late_fee_charge(invoice=invoice, actor=scoped.alice, today=today)
    assert fee.status == S.OPEN and fee.number == "INV-0002" and fee.total == D("6.58")
    (line,) = fee.lines.all()
    assert line.kind == InvoiceLine.Kind.LATE_FEE
    with pytest.raises(ValidationError, match="already charged"):
        late_fees.invoice_late_fee_charge(invoice=invoice, actor=scoped.alice, today=today)
    services.invoice_void(invoice=fee, actor=scoped.alice)
    again = late_fees.invoice_late_fee_charge(invoice=invoice, actor=scoped.alice, today=today)
    assert again.number == "INV-0003"


def test_no_late_fee_to_charge_before_due(scoped):
    today = timezone.localdate()
    invoice = open_invoice(scoped, due=today + dt.timedelta(days=3))
    late_fees.late_fee_policy_save(
        workspace=scoped.a, actor=scoped.alice, kind="fixed", fixed_amount=D("40")
    )
    with pytest.raises(ValidationError):
        late_fees.invoice_late_fee_charge(invoice=invoice, actor=scoped.alice, today=today)
