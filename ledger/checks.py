"""Consistency checks over the ledger, and the registry other apps add theirs to.

A check takes a workspace (or None for every workspace) and yields `Problem`s. The
ledger registers its own (`register_builtin_checks`, from `LedgerConfig.ready()`); an app
that keeps money rows registers a check comparing them with the ledger in its own
`AppConfig.ready()` (invoicing: an invoice's amount due equals its receivable balance).
`run_checks` runs them all: `manage.py ledger_check`, the demo seed and, after every test
that touched the ledger, the `ledger_check` fixture."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum
from django_scopes import scopes_disabled

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from ledger.models import Account, Entry, LedgerTransaction


@dataclass(frozen=True)
class Problem:
    workspace_id: int | None
    check: str
    subject: str  # what is wrong: "ledger transaction 12", "invoice:7"
    expected: str
    actual: str
    message: str

    def __str__(self) -> str:
        return (
            f"[{self.check}] workspace {self.workspace_id}: {self.subject}: {self.message} "
            f"(expected {self.expected}, actual {self.actual})"
        )


Check = Callable[[Workspace | None], Iterable[Problem]]
_CHECKS: dict[str, Check] = {}


def totals_differ(
    check: str,
    expected: dict[tuple[int, str], Decimal],
    actual: dict[tuple[int, str], Decimal],
    *,
    subject: str,
    message: str,
) -> Iterable[Problem]:
    """A problem for each (workspace, currency) whose two totals differ (a missing key
    counts as zero); `subject` is formatted with the currency (`"cash {}"`)."""
    for key in sorted(set(expected) | set(actual)):
        want, got = expected.get(key, Decimal(0)), actual.get(key, Decimal(0))
        if want != got:
            yield Problem(key[0], check, subject.format(key[1]), str(want), str(got), message)


def register_check(name: str, func: Check) -> None:
    """Add a check. Registering the same function again under its name is a no-op (ready()
    may run twice); a different function under a taken name is an error."""
    existing = _CHECKS.get(name)
    if existing is not None and existing is not func:
        raise ValueError(f"a ledger check named {name!r} is already registered")
    _CHECKS[name] = func


def unregister_check(name: str) -> None:
    """Remove a check (tests that plant one take it out again)."""
    _CHECKS.pop(name, None)


def registered_checks() -> dict[str, Check]:
    return dict(_CHECKS)


def run_checks(workspace: Workspace | None = None) -> list[Problem]:
    """Every registered check's problems, for one workspace or (None) for all of them."""
    problems: list[Problem] = []
    for func in list(_CHECKS.values()):
        with _checking(workspace):
            problems.extend(func(workspace))
    return problems


def _checking(workspace: Workspace | None) -> AbstractContextManager[Any]:
    # Checking every workspace crosses tenants, deliberately; each check groups by
    # workspace and reports it on every problem.
    result: AbstractContextManager[Any] = (
        scopes_disabled() if workspace is None else workspace_scope(workspace)
    )
    return result


def _in(workspace: Workspace | None, **extra: Any) -> Q:
    return Q(workspace=workspace, **extra) if workspace is not None else Q(**extra)


@dataclass(frozen=True)
class LedgerCounts:
    transactions: int = 0
    entries: int = 0
    accounts: int = 0


def ledger_counts(workspace: Workspace | None = None) -> dict[int, LedgerCounts]:
    """workspace id → how many transactions, entries and accounts it has (3 queries)."""
    with _checking(workspace):
        counts: dict[int, dict[str, int]] = {}
        for label, model in (
            ("transactions", LedgerTransaction),
            ("entries", Entry),
            ("accounts", Account),
        ):
            rows = (
                model.objects.filter(_in(workspace))
                .values_list("workspace_id")
                .annotate(n=Count("pk"))
                .order_by()
            )
            for workspace_id, n in rows:
                counts.setdefault(workspace_id, {})[label] = n
    return {workspace_id: LedgerCounts(**found) for workspace_id, found in counts.items()}


# --- the ledger's own checks ------------------------------------------------------------------


def transactions_balance(workspace: Workspace | None) -> Iterable[Problem]:
    """Every transaction's entries sum to zero in each currency (one query)."""
    rows = (
        Entry.objects.filter(_in(workspace))
        .values_list("workspace_id", "transaction_id", "currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
        .order_by("workspace_id", "transaction_id", "currency")
    )
    for workspace_id, transaction_id, currency, total in rows:
        yield Problem(
            workspace_id=workspace_id,
            check="transactions_balance",
            subject=f"ledger transaction {transaction_id}",
            expected=f"0 {currency}",
            actual=f"{total} {currency}",
            message="its entries do not sum to zero",
        )


def transactions_have_two_entries(workspace: Workspace | None) -> Iterable[Problem]:
    """Every transaction has at least two entries (a debit and a credit)."""
    rows = (
        LedgerTransaction.objects.filter(_in(workspace))
        .annotate(n=Count("entries"))
        .filter(n__lt=2)
        .values_list("workspace_id", "pk", "n")
        .order_by("workspace_id", "pk")
    )
    for workspace_id, transaction_id, n in rows:
        yield Problem(
            workspace_id=workspace_id,
            check="transactions_have_two_entries",
            subject=f"ledger transaction {transaction_id}",
            expected="at least 2 entries",
            actual=f"{n} entries",
            message="a transaction moves money from one account to another",
        )


def entries_match_accounts(workspace: Workspace | None) -> Iterable[Problem]:
    """Every entry is in its account's currency, and in the workspace of its account and of
    its transaction."""
    rows = (
        Entry.objects.filter(_in(workspace))
        .exclude(
            currency=F("account__currency"),
            workspace_id=F("account__workspace_id"),
        )
        .values_list("workspace_id", "pk", "currency", "account__currency")
        .union(
            Entry.objects.filter(_in(workspace))
            .exclude(workspace_id=F("transaction__workspace_id"))
            .values_list("workspace_id", "pk", "currency", "account__currency")
        )
        .order_by("workspace_id", "pk")
    )
    for workspace_id, entry_id, currency, account_currency in rows:
        yield Problem(
            workspace_id=workspace_id,
            check="entries_match_accounts",
            subject=f"ledger entry {entry_id}",
            expected=f"{account_currency}, in its account's and transaction's workspace",
            actual=currency,
            message="an entry does not match its account or transaction",
        )


BUILTIN_CHECKS: dict[str, Check] = {
    "transactions_balance": transactions_balance,
    "transactions_have_two_entries": transactions_have_two_entries,
    "entries_match_accounts": entries_match_accounts,
}


def register_builtin_checks() -> None:
    for name, func in BUILTIN_CHECKS.items():
        register_check(name, func)
