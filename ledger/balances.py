"""Reading the ledger: balances are sums of entries, debit positive (see `ledger.models`).

Each function filters on the workspace it is given and runs in that workspace's scope,
so it can be called from a request, a task or a cross-tenant check alike."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from core.money import ZERO
from ledger.chart import account_spec
from ledger.models import Account, AccountType, Entry


def balance(
    *,
    workspace: Workspace,
    code: str,
    currency: str,
    party: str = "",
    document: str | None = None,
) -> Decimal:
    """The balance of one account (debit-positive sum of its entries; 0 when none), or of
    one document's sub-ledger in it when `document` is given ("" = entries with none)."""
    account_spec(code)
    with workspace_scope(workspace):
        entries = Entry.objects.filter(
            workspace=workspace,
            account__code=code,
            account__party=party,
            account__currency=currency,
        )
        if document is not None:
            entries = entries.filter(document=document)
        total: Decimal = entries.aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]
    return total


def document_balances(
    *,
    workspace: Workspace,
    code: str,
    documents: Collection[str],
    currency: str | None = None,
) -> dict[str, Decimal]:
    """Each document's balance on `code` (every party), in one query; 0 for a document
    with no entries. A document is in one currency; one found in two (without
    `currency` to choose) is a ValueError rather than a sum of unlike money."""
    account_spec(code)
    result = dict.fromkeys(documents, ZERO)
    if not result:
        return result
    with workspace_scope(workspace):
        entries = Entry.objects.filter(
            workspace=workspace, account__code=code, document__in=list(result)
        )
        if currency is not None:
            entries = entries.filter(currency=currency)
        rows = entries.values_list("document", "currency").annotate(total=Sum("amount"))
        seen: dict[str, str] = {}
        for document, row_currency, total in rows:
            if seen.setdefault(document, row_currency) != row_currency:
                raise ValueError(f"{document} has {code} entries in more than one currency")
            result[document] = total
    return result


def party_balances(*, workspace: Workspace, code: str) -> dict[tuple[str, str], Decimal]:
    """(party, currency) → balance of every account of `code`, in one query. Accounts
    whose entries net to zero are included (with 0)."""
    account_spec(code)
    with workspace_scope(workspace):
        rows = (
            Entry.objects.filter(workspace=workspace, account__code=code)
            .values_list("account__party", "account__currency")
            .annotate(total=Sum("amount"))
        )
        return {(party, currency): total for party, currency, total in rows}


@dataclass(frozen=True)
class TrialBalanceRow:
    code: str
    party: str
    currency: str
    type: AccountType
    debit: Decimal  # the sum of its debit entries (≥ 0)
    credit: Decimal  # the sum of its credit entries, as a positive number (≥ 0)

    @property
    def balance(self) -> Decimal:
        """Debit-positive: debit − credit."""
        return self.debit - self.credit


def trial_balance(*, workspace: Workspace) -> list[TrialBalanceRow]:
    """Every account of the workspace with its debit and credit totals, in one query,
    ordered by code, party and currency. Per currency, the balances sum to zero."""
    with workspace_scope(workspace):
        rows = (
            Account.objects.filter(workspace=workspace)
            .annotate(
                debit=Coalesce(Sum("entries__amount", filter=Q(entries__amount__gt=0)), ZERO),
                credit=Coalesce(Sum("entries__amount", filter=Q(entries__amount__lt=0)), ZERO),
            )
            .order_by("code", "party", "currency")
        )
        return [
            TrialBalanceRow(
                code=account.code,
                party=account.party,
                currency=account.currency,
                type=AccountType(account.type),
                debit=account.debit,
                credit=-account.credit,
            )
            for account in rows
        ]
