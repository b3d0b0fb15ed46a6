"""Posting to the ledger: the only writer of accounts, transactions and entries.

A posting is a set of legs (account code, signed amount, currency, party, document) that
must sum to zero per currency. It is checked here, before any query, and again by the
database at commit (a deferred constraint trigger), so nothing unbalanced is ever stored.
A posting runs inside the caller's transaction: it commits or rolls back with the change
it records (an invoice finalised, a receipt recorded), never on its own."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Model
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from django_scopes import get_scope

from accounts.models import Workspace
from accounts.tenancy import workspace_scope
from core.currencies import CURRENCY_CHOICES
from core.money import ZERO, quantize
from ledger.chart import account_spec
from ledger.models import Account, Entry, LedgerTransaction

# AmountField holds 18 digits, 3 of them decimals.
MAX_AMOUNT = Decimal(10) ** 15
_CURRENCIES = frozenset(code for code, _ in CURRENCY_CHOICES)
_BATCH = 2000

AccountKey = tuple[str, str, str]  # (code, party, currency)


class Unbalanced(ValueError):
    """The legs of a posting do not sum to zero in some currency."""


@dataclass(frozen=True)
class Leg:
    code: str  # from ledger.chart.CHART
    amount: Decimal  # signed: debit +, credit −; quantized to the currency
    currency: str
    party: str = ""  # "client:12" for codes kept per party, else ""
    document: str = ""  # the sub-ledger key, e.g. "invoice:12"

    @property
    def key(self) -> AccountKey:
        return (self.code, self.party, self.currency)


@dataclass(frozen=True)
class Posting:
    """The arguments of one `post()`, for `post_many()`."""

    kind: str
    on: dt.date
    legs: tuple[Leg, ...]
    ref: str = ""
    memo: str = ""


def post(
    *,
    workspace: Workspace,
    kind: str,
    on: dt.date,
    legs: Iterable[Leg],
    ref: str = "",
    memo: str = "",
    reverses: LedgerTransaction | None = None,
) -> LedgerTransaction | None:
    """Record one balanced transaction. Zero legs are dropped; with none left nothing is
    written and None is returned. Raises `Unbalanced` (a ValueError) or ValueError for a
    bad leg before touching the database; must run inside `transaction.atomic()`.

    Queries: 1 when its accounts exist (select accounts), +2 for new accounts (insert on
    conflict do nothing, select), +2 (insert the transaction, insert its entries)."""
    posting = Posting(kind=kind, on=on, legs=tuple(legs), ref=ref, memo=memo)
    made = _write(workspace, [(posting, reverses)])
    return made[0] if made else None


def post_many(*, workspace: Workspace, postings: Sequence[Posting]) -> list[LedgerTransaction]:
    """`post()` for many postings at once, set based (the recurring run posts thousands):
    every posting is checked first, then the accounts are resolved in one to three
    queries, the transactions and the entries each bulk-inserted. Returns the
    transactions made, in the order of `postings`; postings with no legs left are skipped."""
    return _write(workspace, [(posting, None) for posting in postings])


def post_many_copy(
    *, workspace: Workspace, postings: Sequence[Posting], ids: Sequence[int] | None = None
) -> list[int]:
    """`post_many()` through PostgreSQL's COPY, for runs of thousands (the recurring run):
    the same checks and accounts, then the transactions and their entries streamed with
    `COPY … FROM STDIN` instead of INSERTs built by the ORM (a third of the time of
    `post_many` at 10,000 postings). Returns the transaction ids, in the order of
    `postings` with the empty ones left out. `ids`, if given, are the transaction ids to
    use (one per posting, drawn from the sequence by `reserve_ids`), so a caller can
    name them before writing.

    The database's rules hold as for any insert: the deferred balance trigger checks each
    transaction at commit, the composite foreign keys check every entry."""
    checked = [checked_legs(posting) for posting in postings]
    if not connection.in_atomic_block:
        raise TransactionManagementError(
            "post to the ledger inside the transaction.atomic() of the change it records"
        )
    if ids is not None and len(ids) != len(postings):
        raise ValueError("post_many_copy takes one reserved id per posting")
    kept = [i for i, legs in enumerate(checked) if legs]
    if not kept:
        return []
    with _scope(workspace):
        accounts = _accounts(workspace, {leg.key for legs in checked for leg in legs})
    pks = [ids[i] for i in kept] if ids is not None else reserve_ids(LedgerTransaction, len(kept))
    now = timezone.now()
    ws = workspace.pk
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.copy(
            "COPY ledger_transaction (id, workspace_id, kind, date, memo, ref, reverses_id,"
            " created_at) FROM STDIN"
        ) as copy:
            for pk, i in zip(pks, kept, strict=True):
                p = postings[i]
                copy.write_row((pk, ws, p.kind, p.on, p.memo, p.ref, None, now))
        with cursor.copy(
            "COPY ledger_entry (workspace_id, transaction_id, account_id, amount, currency,"
            " document) FROM STDIN"
        ) as copy:
            for pk, i in zip(pks, kept, strict=True):
                for leg in checked[i]:
                    copy.write_row(
                        (ws, pk, accounts[leg.key].pk, leg.amount, leg.currency, leg.document)
                    )
    return pks


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """`count` ids drawn from `model`'s id sequence in one query, for rows written by COPY
    that other rows must name first. Sequences are not transactional: a rollback leaves a
    gap in ids (never in invoice numbers, which come from their own locked series)."""
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def reverse(
    *,
    transaction: LedgerTransaction,
    on: dt.date,
    kind: str,
    memo: str = "",
) -> LedgerTransaction:
    """Post the mirror image of `transaction` (every leg negated, same accounts and
    documents, same ref) as a new transaction that `reverses` it. A transaction is
    reversed at most once: the original row is locked, then a second reversal refused
    (and the one-to-one `reverses` is the last guard)."""
    workspace = Workspace.objects.get(pk=transaction.workspace_id)
    with _scope(workspace):
        # FOR UPDATE takes a row lock only; it fires no UPDATE trigger.
        original = LedgerTransaction.objects.select_for_update().get(
            pk=transaction.pk, workspace=workspace
        )
        if LedgerTransaction.objects.filter(reverses=original).exists():
            raise ValueError(f"ledger transaction {original.pk} is already reversed")
        legs = [
            Leg(
                code=entry.account.code,
                amount=-entry.amount,
                currency=entry.currency,
                party=entry.account.party,
                document=entry.document,
            )
            for entry in original.entries.select_related("account").order_by("pk")
        ]
        made = post(
            workspace=workspace,
            kind=kind,
            on=on,
            legs=legs,
            ref=original.ref,
            memo=memo,
            reverses=original,
        )
    if made is None:  # a stored transaction always has non-zero entries
        raise ValueError(f"ledger transaction {original.pk} has no entries to reverse")
    return made


def checked_legs(posting: Posting) -> tuple[Leg, ...]:
    """The posting's non-zero legs, after refusing anything the database would (or
    should): unknown codes, wrong parties, unknown currencies, amounts not rounded to
    their currency or too large, over-long text, and legs that do not balance."""
    if not posting.kind or len(posting.kind) > 40:
        raise ValueError(f"a ledger posting needs a kind of 1 to 40 characters: {posting.kind!r}")
    if isinstance(posting.on, dt.datetime) or not isinstance(posting.on, dt.date):
        raise ValueError(f"a ledger posting is dated with a date, not {posting.on!r}")
    if len(posting.ref) > 64 or len(posting.memo) > 200:
        raise ValueError("a ledger posting's ref is at most 64 characters, its memo 200")
    kept: list[Leg] = []
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for leg in posting.legs:
        _check_leg(leg)
        if leg.amount:
            kept.append(leg)
            totals[leg.currency] += leg.amount
    off = {currency: total for currency, total in totals.items() if total}
    if off:
        sums = ", ".join(f"{total} {currency}" for currency, total in sorted(off.items()))
        raise Unbalanced(f"ledger posting {posting.kind!r} does not balance: {sums}")
    return tuple(kept)


def _check_leg(leg: Leg) -> None:
    account_spec(leg.code).check_party(leg.code, leg.party)
    if leg.currency not in _CURRENCIES:
        raise ValueError(f"{leg.currency!r} is not a currency")
    if not isinstance(leg.amount, Decimal) or not leg.amount.is_finite():
        raise ValueError(f"a ledger amount is a finite Decimal, not {leg.amount!r}")
    if quantize(leg.amount, leg.currency) != leg.amount:
        raise ValueError(
            f"{leg.amount} is not rounded to {leg.currency}'s minor unit (core.money.quantize)"
        )
    if abs(leg.amount) >= MAX_AMOUNT:
        raise ValueError(f"{leg.amount} {leg.currency} is beyond what the ledger stores")
    if len(leg.document) > 64:
        raise ValueError(f"a ledger document key is at most 64 characters: {leg.document!r}")


@contextmanager
def _scope(workspace: Workspace) -> Iterator[None]:
    """Run in `workspace`'s scope. A caller inside another workspace's scope is refused:
    posting one tenant's money from another's request is a bug, never a wish."""
    if workspace.pk is None:
        raise ValueError("the ledger posts for a saved workspace")
    current = get_scope()
    active = current.get("workspace") if current.get("_enabled") else None
    if active is not None:
        ids = {getattr(w, "pk", w) for w in (active if isinstance(active, list) else [active])}
        if ids != {workspace.pk}:
            raise ValueError(f"posting for workspace {workspace.pk} inside the scope of {ids}")
    with workspace_scope(workspace):
        yield


def _write(
    workspace: Workspace, items: Sequence[tuple[Posting, LedgerTransaction | None]]
) -> list[LedgerTransaction]:
    prepared = [(posting, checked_legs(posting), reverses) for posting, reverses in items]
    prepared = [item for item in prepared if item[1]]
    for _, _, reverses in prepared:
        if reverses is not None and reverses.workspace_id != workspace.pk:
            raise ValueError("a ledger transaction reverses one of its own workspace only")
    if not connection.in_atomic_block:
        raise TransactionManagementError(
            "post to the ledger inside the transaction.atomic() of the change it records"
        )
    if not prepared:
        return []
    with _scope(workspace):
        accounts = _accounts(workspace, {leg.key for _, legs, _ in prepared for leg in legs})
        transactions: list[LedgerTransaction] = LedgerTransaction.objects.bulk_create(
            [
                LedgerTransaction(
                    workspace=workspace,
                    kind=posting.kind,
                    date=posting.on,
                    memo=posting.memo,
                    ref=posting.ref,
                    reverses=reverses,
                )
                for posting, _, reverses in prepared
            ],
            batch_size=_BATCH,
        )
        Entry.objects.bulk_create(
            [
                Entry(
                    workspace=workspace,
                    transaction=made,
                    account=accounts[leg.key],
                    amount=leg.amount,
                    currency=leg.currency,
                    document=leg.document,
                )
                for made, (_, legs, _) in zip(transactions, prepared, strict=True)
                for leg in legs
            ],
            batch_size=_BATCH,
        )
    return transactions


def _accounts(workspace: Workspace, keys: set[AccountKey]) -> dict[AccountKey, Account]:
    """The accounts for `keys`, created on first use. Race-safe under READ COMMITTED:
    `INSERT … ON CONFLICT DO NOTHING` waits for a concurrent inserter of the same key and
    then does nothing, and the select after it (a new snapshot) sees that row."""

    def find(wanted: set[AccountKey]) -> dict[AccountKey, Account]:
        # Filtering on each column's set is a superset of the wanted keys (one query, no
        # OR of thousands of triples); the exact keys are picked here.
        rows = Account.objects.filter(
            workspace=workspace,
            code__in={code for code, _, _ in wanted},
            party__in={party for _, party, _ in wanted},
            currency__in={currency for _, _, currency in wanted},
        )
        found: dict[AccountKey, Account] = {}
        for account in rows:
            key = (account.code, account.party, account.currency)
            if key in wanted:
                found[key] = account
        return found

    accounts = find(keys)
    missing = keys - accounts.keys()
    if missing:
        Account.objects.bulk_create(
            [
                Account(
                    workspace=workspace,
                    code=code,
                    party=party,
                    currency=currency,
                    type=account_spec(code).type,
                    name=account_spec(code).name,
                )
                for code, party, currency in sorted(missing)
            ],
            ignore_conflicts=True,
            batch_size=_BATCH,
        )
        accounts.update(find(missing))
    return accounts
