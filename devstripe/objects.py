"""Connect objects localstripe does not have: Account, Transfer (with reversals),
ApplicationFee (with refunds), Dispute and payouts on connected accounts.

They subclass localstripe's StripeObject, so they live in its store (and its pickle), export
like its objects and can be expanded. Money moved to a connected account is credited to its
`available` balance at once (Stripe holds it `pending` for days first).
"""

import time
from typing import Any

from localstripe.resources import Event, List, StripeObject, random_id, store
from localstripe.webhooks import schedule_webhook

from devstripe.http import invalid, not_found

_INITIAL_REQUIREMENTS = [
    "business_profile.mcc",
    "business_profile.url",
    "external_account",
    "individual.dob.day",
    "individual.dob.month",
    "individual.dob.year",
    "individual.first_name",
    "individual.last_name",
    "tos_acceptance.date",
    "tos_acceptance.ip",
]


def emit(type: str, obj: Any, *, account: str | None = None) -> Any:
    """Record an event and send it to the registered webhooks; events about a connected
    account carry its id in `account`, as Stripe's Connect webhooks do."""
    event = Event(type, obj)
    if account is not None:
        event.account = account
        store[event.object + ":" + event.id] = event  # stored again with the new field
    schedule_webhook(event)
    return event


def list_of(url: str, items: list[Any], limit: Any = None, starting_after: Any = None) -> Any:
    li = List(url, limit=limit, starting_after=starting_after)
    li._list = sorted(items, key=lambda o: o.created, reverse=True)
    return li


def _all(object_name: str) -> list[Any]:
    return [v for k, v in store.items() if k.startswith(object_name + ":")]


class Account(StripeObject):
    object = "account"
    _id_prefix = "acct_"

    def __init__(
        self,
        *,
        type: str = "express",
        country: str = "US",
        email: str | None = None,
        default_currency: str | None = None,
        business_type: str | None = None,
        capabilities: dict[str, Any] | None = None,
        metadata: dict[str, str] | None = None,
        business_profile: dict[str, Any] | None = None,
        **unexpected: Any,
    ) -> None:
        if unexpected:
            raise invalid("Received unknown parameter: " + ", ".join(unexpected))
        if type not in ("express", "standard", "custom"):
            raise invalid(f"Invalid type: {type}", param="type")
        super().__init__()
        self.type = type
        self.country = country.upper()
        self.email = email
        self.default_currency = (default_currency or "usd").lower()
        self.business_type = business_type
        self.business_profile = business_profile or {"mcc": None, "url": None, "name": None}
        self.capabilities = {
            name: "inactive"
            for name, wanted in (capabilities or {"transfers": {"requested": "true"}}).items()
            if str((wanted or {}).get("requested", "true")).lower() == "true"
        }
        self.metadata = metadata or {}
        self.details_submitted = False
        self.charges_enabled = False
        self.payouts_enabled = False
        self.requirements = {
            "currently_due": list(_INITIAL_REQUIREMENTS),
            "eventually_due": list(_INITIAL_REQUIREMENTS),
            "past_due": list(_INITIAL_REQUIREMENTS),
            "pending_verification": [],
            "errors": [],
            "disabled_reason": "requirements.past_due",
            "current_deadline": None,
        }
        self.settings = {"payouts": {"schedule": {"interval": "daily", "delay_days": 2}}}
        self._balance: dict[str, dict[str, int]] = {}

    @classmethod
    def _api_retrieve(cls, id: str) -> Any:
        obj = store.get("account:" + id)
        if obj is None:
            raise not_found("account", id)
        return obj

    def _update(self, **data: Any) -> None:
        allowed = {"email", "metadata", "business_profile", "business_type", "default_currency"}
        unknown = set(data) - allowed - {"capabilities"}
        if unknown:
            raise invalid("Received unknown parameter: " + ", ".join(sorted(unknown)))
        for name, wanted in (data.pop("capabilities", None) or {}).items():
            if str((wanted or {}).get("requested", "true")).lower() == "true":
                self.capabilities.setdefault(
                    name, "active" if self.details_submitted else "inactive"
                )
        super()._update(**data)

    def _complete_onboarding(self) -> None:
        self.details_submitted = True
        self.charges_enabled = True
        self.payouts_enabled = True
        self.capabilities = dict.fromkeys(self.capabilities, "active")
        self.requirements = {
            "currently_due": [],
            "eventually_due": [],
            "past_due": [],
            "pending_verification": [],
            "errors": [],
            "disabled_reason": None,
            "current_deadline": None,
        }

    def _can_receive_transfers(self) -> bool:
        return self.capabilities.get("transfers") == "active"

    # Balance: {currency: {"available": n, "pending": n}}
    def _credit(self, currency: str, amount: int) -> None:
        entry = self._balance.setdefault(currency, {"available": 0, "pending": 0})
        entry["available"] += amount

    def _available(self, currency: str) -> int:
        return self._balance.get(currency, {}).get("available", 0)

    def _balance_export(self) -> dict[str, Any]:
        currencies = sorted(self._balance) or [self.default_currency]

        def side(name: str) -> list[dict[str, Any]]:
            return [
                {
                    "amount": self._balance.get(c, {}).get(name, 0),
                    "currency": c,
                    "source_types": {"card": self._balance.get(c, {}).get(name, 0)},
                }
                for c in currencies
            ]

        return {
            "object": "balance",
            "livemode": False,
            "available": side("available"),
            "pending": side("pending"),
        }


class Transfer(StripeObject):
    object = "transfer"
    _id_prefix = "tr_"

    def __init__(
        self,
        *,
        amount: int,
        currency: str,
        destination: str,
        source_transaction: str | None = None,
        transfer_group: str | None = None,
        description: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> None:
        account = Account._api_retrieve(destination)
        if amount < 0:
            raise invalid("Amount must be at least 0", param="amount")
        super().__init__()
        self.amount = amount
        self.currency = currency
        self.destination = destination
        self.destination_payment = "py_" + random_id(24)
        self.source_transaction = source_transaction
        self.transfer_group = transfer_group
        self.description = description
        self.metadata = metadata or {}
        self.balance_transaction = "txn_" + random_id(24)
        self._reversals: list[dict[str, Any]] = []
        account._credit(currency, amount)
        emit("transfer.created", self)

    @property
    def amount_reversed(self) -> int:
        return sum(r["amount"] for r in self._reversals)

    @property
    def reversed(self) -> bool:
        return self.amount_reversed >= self.amount

    @property
    def reversals(self) -> dict[str, Any]:
        return {
            "object": "list",
            "data": list(reversed(self._reversals)),
            "has_more": False,
            "total_count": len(self._reversals),
            "url": f"/v1/transfers/{self.id}/reversals",
        }

    def _reverse(self, amount: int, metadata: dict[str, str] | None = None) -> dict[str, Any]:
        if amount <= 0 or amount > self.amount - self.amount_reversed:
            raise invalid(
                f"Transfer {self.id} has {self.amount - self.amount_reversed} left to reverse;"
                f" asked {amount}.",
                param="amount",
            )
        reversal = {
            "id": "trr_" + random_id(24),
            "object": "transfer_reversal",
            "amount": amount,
            "currency": self.currency,
            "transfer": self.id,
            "created": int(time.time()),
            "metadata": metadata or {},
            "balance_transaction": "txn_" + random_id(24),
        }
        self._reversals.append(reversal)
        Account._api_retrieve(self.destination)._credit(self.currency, -amount)
        emit("transfer.reversed", self)
        return reversal

    @classmethod
    def _api_retrieve(cls, id: str) -> Any:
        obj = store.get("transfer:" + id)
        if obj is None:
            raise not_found("transfer", id)
        return obj


class ApplicationFee(StripeObject):
    object = "application_fee"
    _id_prefix = "fee_"

    def __init__(self, *, amount: int, currency: str, account: str, charge: str) -> None:
        super().__init__()
        self.amount = amount
        self.currency = currency
        self.account = account
        self.charge = charge
        self.application = "ca_devstripe"
        self.originating_transaction = None
        self.balance_transaction = "txn_" + random_id(24)
        self._refunds: list[dict[str, Any]] = []
        emit("application_fee.created", self)

    @property
    def amount_refunded(self) -> int:
        return sum(r["amount"] for r in self._refunds)

    @property
    def refunded(self) -> bool:
        return self.amount_refunded >= self.amount

    @property
    def refunds(self) -> dict[str, Any]:
        return {
            "object": "list",
            "data": list(reversed(self._refunds)),
            "has_more": False,
            "total_count": len(self._refunds),
            "url": f"/v1/application_fees/{self.id}/refunds",
        }

    def _refund(self, amount: int) -> None:
        amount = min(amount, self.amount - self.amount_refunded)
        if amount <= 0:
            return
        self._refunds.append(
            {
                "id": "fr_" + random_id(24),
                "object": "fee_refund",
                "amount": amount,
                "currency": self.currency,
                "fee": self.id,
                "created": int(time.time()),
                "metadata": {},
                "balance_transaction": "txn_" + random_id(24),
            }
        )
        emit("application_fee.refunded", self)

    @classmethod
    def _api_retrieve(cls, id: str) -> Any:
        obj = store.get("application_fee:" + id)
        if obj is None:
            raise not_found("application_fee", id)
        return obj


class Dispute(StripeObject):
    object = "dispute"
    _id_prefix = "dp_"

    def __init__(self, *, charge: Any, amount: int, reason: str) -> None:
        super().__init__()
        self.charge = charge.id
        self.payment_intent = charge.payment_intent
        self.amount = amount
        self.currency = charge.currency
        self.reason = reason
        self.status = "needs_response"
        self.is_charge_refundable = False
        self.metadata: dict[str, str] = {}
        self.evidence: dict[str, Any] = {}
        self.evidence_details = {
            "due_by": self.created + 7 * 24 * 3600,
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
        }
        self.balance_transactions: list[Any] = []
        # What was taken back from the connected account for this dispute (restored if won).
        self._reversed_transfer: str | None = None
        self._reversed_amount = 0

    @classmethod
    def _api_retrieve(cls, id: str) -> Any:
        obj = store.get("dispute:" + id)
        if obj is None:
            raise not_found("dispute", id)
        return obj


class ConnectedPayout(StripeObject):
    """A payout from a connected account's balance to its bank (Stripe-Account scoped)."""

    object = "payout"
    _id_prefix = "po_"

    def __init__(
        self,
        *,
        account: Any,
        amount: int,
        currency: str,
        automatic: bool,
        description: str | None = None,
        metadata: dict[str, str] | None = None,
        method: str = "standard",
        statement_descriptor: str | None = None,
    ) -> None:
        if amount <= 0:
            raise invalid("Amount must be greater than 0", param="amount")
        if not account.payouts_enabled:
            raise invalid("Payouts are not enabled for this account.", code="payouts_not_allowed")
        if account._available(currency) < amount:
            raise invalid(
                "You have insufficient funds in your Stripe account for this transfer.",
                code="balance_insufficient",
            )
        super().__init__()
        self.account = account.id  # not in Stripe's JSON; kept to scope lookups
        self.amount = amount
        self.currency = currency
        self.automatic = automatic
        self.description = description
        self.metadata = metadata or {}
        self.method = method
        self.statement_descriptor = statement_descriptor
        self.destination = "ba_" + random_id(24)
        self.arrival_date = self.created + 2 * 24 * 3600
        self.balance_transaction = "txn_" + random_id(24)
        self.failure_balance_transaction = None
        self.failure_code: str | None = None
        self.failure_message: str | None = None
        self.status = "pending"
        self.type = "bank_account"
        self.source_type = "card"
        account._credit(currency, -amount)
        emit("payout.created", self, account=account.id)

    def _settle(self, status: str, failure_code: str | None = None) -> None:
        if self.status != "pending":
            raise invalid(f"Payout {self.id} is {self.status}, not pending.")
        self.status = status
        if status == "failed":
            self.failure_code = failure_code or "account_closed"
            self.failure_message = _FAILURE_MESSAGES.get(
                self.failure_code, "The bank could not process this payout."
            )
            self.failure_balance_transaction = "txn_" + random_id(24)
            Account._api_retrieve(self.account)._credit(self.currency, self.amount)
        emit(f"payout.{status}", self, account=self.account)
        emit("payout.updated", self, account=self.account)


_FAILURE_MESSAGES = {
    "account_closed": "The bank account has been closed.",
    "account_frozen": "The bank account has been frozen.",
    "insufficient_funds": "Your Stripe account has insufficient funds to cover the payout.",
    "invalid_account_number": "The bank account number appears to be invalid.",
    "no_account": "The bank account details on file are probably incorrect.",
    "could_not_process": "The bank could not process this payout.",
}


def accounts() -> list[Any]:
    return _all("account")


def connected_payouts(account: str) -> list[Any]:
    return [p for p in _all("payout") if getattr(p, "account", None) == account]


def disputes() -> list[Any]:
    return _all("dispute")


def transfers() -> list[Any]:
    return _all("transfer")


def application_fees() -> list[Any]:
    return _all("application_fee")
