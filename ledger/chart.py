"""The chart of accounts: every account code the ledger knows, what it holds, and whether
it is kept per party (one receivable per client) or once per workspace.

A code is posted in any currency; each (code, party, currency) becomes its own account on
first use. Posting to a code not listed here is refused (`account_spec`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from ledger.models import AccountType


class Side(StrEnum):
    """The side an account normally sits on: an asset grows by debits, a liability by
    credits. A contra account (credit notes against income) sits on the other side."""

    DEBIT = "debit"
    CREDIT = "credit"


@dataclass(frozen=True)
class AccountSpec:
    type: AccountType
    name: str
    normal: Side
    description: str
    # The kind of party the account is kept per ("client" → parties "client:<id>"), or
    # None for one account per workspace and currency.
    party_kind: str | None = None

    def check_party(self, code: str, party: str) -> None:
        """Refuse a party this code does not take, or a missing one it needs."""
        if self.party_kind is None:
            if party:
                raise ValueError(f"ledger account {code!r} takes no party, got {party!r}")
            return
        if not re.fullmatch(rf"{re.escape(self.party_kind)}:[1-9][0-9]*", party):
            raise ValueError(
                f"ledger account {code!r} is kept per {self.party_kind}: the party must be "
                f"'{self.party_kind}:<id>', got {party!r}"
            )


CHART: dict[str, AccountSpec] = {
    # Assets
    "receivable": AccountSpec(
        AccountType.ASSET,
        "Accounts receivable",
        Side.DEBIT,
        "What a client owes on finalised invoices; each invoice is a document of its own.",
        party_kind="client",
    ),
    "cash": AccountSpec(
        AccountType.ASSET,
        "Cash and bank",
        Side.DEBIT,
        "Money in the bank or in hand: received outside Stripe (bank transfer, cash, cheque) "
        "at its full amount, and Stripe payouts once they arrive.",
    ),
    "stripe_balance": AccountSpec(
        AccountType.ASSET,
        "Stripe balance",
        Side.DEBIT,
        "Money Stripe holds for the workspace on its connected account: card payments "
        "less the fee and the benefits share, until paid out.",
    ),
    "payouts_in_transit": AccountSpec(
        AccountType.ASSET,
        "Payouts in transit",
        Side.DEBIT,
        "Paid out by Stripe from the connected account, not yet arrived in the bank.",
    ),
    "benefits_custody": AccountSpec(
        AccountType.ASSET,
        "Benefits held in custody",
        Side.DEBIT,
        "The professional's benefits share, set aside from each card payment at the moment "
        "of payment and held on the platform (never in the connected account) for their "
        "portable benefits.",
    ),
    # Liabilities
    "client_credit": AccountSpec(
        AccountType.LIABILITY,
        "Client credit",
        Side.CREDIT,
        "Money received from a client and not yet applied to an invoice: owed back to them.",
        party_kind="client",
    ),
    "tax_payable": AccountSpec(
        AccountType.LIABILITY,
        "Tax payable",
        Side.CREDIT,
        "Tax invoiced to clients, owed to the tax authority.",
    ),
    # Income
    "revenue": AccountSpec(
        AccountType.INCOME, "Revenue", Side.CREDIT, "Net invoiced amounts, before tax."
    ),
    "late_fees": AccountSpec(
        AccountType.INCOME, "Late fees", Side.CREDIT, "Late fees charged on overdue invoices."
    ),
    "credit_notes": AccountSpec(
        AccountType.INCOME,
        "Credit notes",
        Side.DEBIT,
        "Contra income: revenue given back by credit notes (debited, net of tax).",
    ),
    # Expenses
    "write_offs": AccountSpec(
        AccountType.EXPENSE,
        "Write-offs",
        Side.DEBIT,
        "Receivables given up as uncollectable.",
    ),
    "stripe_fees": AccountSpec(
        AccountType.EXPENSE,
        "Stripe fees",
        Side.DEBIT,
        "Card processing fees passed on by the platform for each card payment.",
    ),
}


def account_spec(code: str) -> AccountSpec:
    """The chart's entry for `code`; an unknown code is a ValueError."""
    try:
        return CHART[code]
    except KeyError:
        raise ValueError(f"{code!r} is not in the chart of accounts") from None
