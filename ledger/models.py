"""The ledger's rows: accounts, transactions and their entries, all append-only.

Sign convention: an entry's `amount` is signed, debit positive and credit negative, so
the entries of a transaction sum to zero per currency and an account's balance is the
plain sum of its entries (an asset or expense account is normally positive, a liability,
equity or income account normally negative).

The database holds the rules (migration 0002): a transaction's entries balance per
currency (a deferred constraint trigger, checked at commit), a transaction has entries,
an entry's currency and workspace are its account's (a composite foreign key), and no
row is updated or deleted (triggers; only `ledger.purge` may delete, a whole workspace's
ledger at once). Rows are written through `ledger.posting` alone."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from accounts.tenancy import TenantModel
from core.money import AmountField


class AccountType(models.TextChoices):
    ASSET = "asset", "Asset"
    LIABILITY = "liability", "Liability"
    EQUITY = "equity", "Equity"
    INCOME = "income", "Income"
    EXPENSE = "expense", "Expense"


class Account(TenantModel):
    """One account of the chart (`ledger.chart.CHART`), in one currency, optionally for one
    party (`"client:12"`). Created on first use by the posting API, never by hand."""

    code = models.SlugField(max_length=40)
    # "" for a workspace-wide account; "<kind>:<id>" for a per-party one.
    party = models.CharField(max_length=64, blank=True)
    currency = models.CharField(max_length=3)
    type = models.CharField(max_length=10, choices=AccountType.choices)
    name = models.CharField(max_length=120)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "code", "party", "currency"],
                name="ledger_account_unique_key",
            ),
            models.CheckConstraint(
                condition=Q(type__in=AccountType.values), name="ledger_account_type_valid"
            ),
        ]

    def __str__(self) -> str:
        party = f" {self.party}" if self.party else ""
        return f"{self.code}{party} ({self.currency})"


class LedgerTransaction(TenantModel):
    """One money movement: a set of entries that sums to zero per currency."""

    kind = models.CharField(max_length=40)  # what happened: "invoice.finalize", …
    date = models.DateField()  # the accounting date, not when the row was written
    memo = models.CharField(max_length=200, blank=True)
    ref = models.CharField(max_length=64, blank=True)  # what it records: "receipt:12"
    # A correction is a new transaction mirroring the old one; each is reversed at most once.
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ledger_transaction"
        indexes = [models.Index(fields=["workspace", "ref"], name="ledger_txn_ref_idx")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.date} #{self.pk}"


class Entry(TenantModel):
    """One leg of a transaction: a signed amount on one account (debit +, credit −),
    optionally tagged with the document whose sub-ledger it belongs to (`"invoice:12"`)."""

    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = AmountField()
    currency = models.CharField(max_length=3)  # always the account's (a composite FK)
    document = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_amount_not_zero"),
        ]
        indexes = [
            models.Index(
                fields=["workspace", "account", "document"], name="ledger_entry_document_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} on account #{self.account_id}"
