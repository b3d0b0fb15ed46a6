"""Patches to localstripe's PaymentIntent, Charge, PaymentMethod and Refund, in this
process only: destination charges with application fees, setup_future_usage, off-session
confirmation, Stripe-shaped card errors, and refunds that reverse transfers and fees."""

from typing import Any

from localstripe.resources import Charge, Event, PaymentIntent, PaymentMethod, Refund

from devstripe.http import StripeError, invalid, to_bool, to_int
from devstripe.objects import Account, ApplicationFee, Transfer, emit

_PI_EXTRA = (
    "transfer_data",
    "application_fee_amount",
    "setup_future_usage",
    "description",
    "receipt_email",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "transfer_group",
    "on_behalf_of",
)

# Stripe's generic decline test card declines at charge time too; localstripe declines it
# only when attached to a customer.
_DECLINED_AT_CHARGE = {
    "4000000000000002": "generic_decline",
    "4000000000009995": "insufficient_funds",
}

_original_pi_init = PaymentIntent.__init__
_original_pi_on_success = PaymentIntent._on_success
_original_pi_export = PaymentIntent._export
_original_charge_init = Charge.__init__
_original_charging_is_declined = PaymentMethod._charging_is_declined
_original_refund_init = Refund.__init__
_original_event_list = Event._api_list_all.__func__


def _pi_init(self: Any, **data: Any) -> None:
    extra = {name: data.pop(name) for name in _PI_EXTRA if name in data}
    transfer_data = extra.get("transfer_data")
    fee = extra.get("application_fee_amount")
    if fee is not None:
        fee = to_int(fee, "application_fee_amount")
        if not transfer_data and not extra.get("on_behalf_of"):
            raise invalid(
                "Can only apply an application_fee_amount when the PaymentIntent is attempting"
                " a direct payment (using an OAuth key or Stripe-Account header) or"
                " destination payment (using `transfer_data[destination]`).",
                param="application_fee_amount",
            )
        if fee < 0 or fee > to_int(data.get("amount"), "amount"):
            raise invalid(
                "application_fee_amount must be between 0 and the amount",
                param="application_fee_amount",
            )
    if transfer_data:
        if not isinstance(transfer_data, dict) or "destination" not in transfer_data:
            raise invalid("Missing transfer_data[destination]", param="transfer_data")
        account = Account._api_retrieve(transfer_data["destination"])
        if not account._can_receive_transfers():
            raise invalid(
                "Your destination account needs to have at least one of the following"
                " capabilities enabled: transfers, crypto_transfers, legacy_payments",
                param="transfer_data[destination]",
                code="insufficient_capabilities_for_transfer",
            )
        if "amount" in transfer_data:
            transfer_data = {**transfer_data, "amount": to_int(transfer_data["amount"], "amount")}
    sfu = extra.get("setup_future_usage")
    if sfu is not None and sfu not in ("off_session", "on_session"):
        raise invalid(f"Invalid setup_future_usage: {sfu}", param="setup_future_usage")
    _original_pi_init(self, **data)
    self.transfer_data = transfer_data or None
    self.application_fee_amount = fee
    self.setup_future_usage = sfu
    self.description = extra.get("description")
    self.receipt_email = extra.get("receipt_email")
    self.statement_descriptor = extra.get("statement_descriptor")
    self.statement_descriptor_suffix = extra.get("statement_descriptor_suffix")
    self.transfer_group = extra.get("transfer_group")
    self.on_behalf_of = extra.get("on_behalf_of")
    self.off_session = None
    self._authentication_required = False


def _pi_api_create(cls: Any, confirm: Any = None, off_session: Any = None, **data: Any) -> Any:
    confirm = to_bool(confirm) if confirm is not None else False
    if off_session is not None and not confirm:
        raise invalid("off_session can only be used with confirm=true", param="off_session")
    obj = cls(**data)
    if confirm:
        if not obj.payment_method:
            raise invalid(
                "You cannot confirm this PaymentIntent because it's missing a payment method.",
                code="payment_intent_unexpected_state",
            )
        obj.off_session = to_bool(off_session) if off_session is not None else None
        obj._confirm(on_failure_now=obj._report_failure)
    return obj


def _pi_api_confirm(cls: Any, id: str, **data: Any) -> Any:
    """Server-side confirm (sk key), or Stripe.js's (pk key + client_secret)."""
    obj = cls._api_retrieve(id)
    client_secret = data.pop("client_secret", None)
    if client_secret is not None and client_secret != obj.client_secret:
        raise StripeError(401, "Invalid client_secret")
    for ignored in ("use_stripe_sdk", "return_url", "mandate_data", "payment_method_options"):
        data.pop(ignored, None)
    pm_data = data.pop("payment_method_data", None)
    payment_method = data.pop("payment_method", None)
    off_session = data.pop("off_session", None)
    sfu = data.pop("setup_future_usage", None)
    receipt_email = data.pop("receipt_email", None)
    if data:
        raise invalid("Received unknown parameter: " + ", ".join(sorted(data)))
    if obj.status not in ("requires_payment_method", "requires_confirmation"):
        raise invalid(
            f"This PaymentIntent's status is {obj.status}; it cannot be confirmed.",
            code="payment_intent_unexpected_state",
        )
    if pm_data:
        pm_data = dict(pm_data)
        pm_data.pop("payment_user_agent", None)
        payment_method = PaymentMethod(**pm_data).id
    if payment_method is not None:
        PaymentMethod._api_retrieve(payment_method)
        obj.payment_method = payment_method
        obj.latest_charge = None
        obj._authentication_required = False
    if not obj.payment_method:
        raise invalid(
            "You cannot confirm this PaymentIntent because it's missing a payment method.",
            code="payment_intent_unexpected_state",
        )
    if sfu is not None:
        obj.setup_future_usage = sfu
    if receipt_email is not None:
        obj.receipt_email = receipt_email
    obj.off_session = to_bool(off_session) if off_session is not None else None
    obj._confirm(on_failure_now=obj._report_failure)
    return obj


def _pi_confirm(self: Any, on_failure_now: Any) -> None:
    self._authentication_failed = False
    self._authentication_required = False
    payment_method = PaymentMethod._api_retrieve(self.payment_method)
    if payment_method._requires_authentication() and getattr(self, "off_session", None):
        # Off session the customer is not there to authenticate: Stripe fails the attempt.
        self._authentication_required = True
        self._failed_payment_method = self.payment_method
        self.payment_method = None
        emit("payment_intent.payment_failed", self)
        raise StripeError(
            402,
            "Your card was declined. This transaction requires authentication.",
            type="card_error",
            code="authentication_required",
            decline_code="authentication_required",
            payment_intent=self._export(),
            payment_method={"id": self._failed_payment_method},
        )
    if payment_method._requires_authentication():
        self.next_action = {
            "type": "use_stripe_sdk",
            "use_stripe_sdk": {"type": "three_d_secure_redirect", "stripe_js": ""},
        }
    else:
        self._create_charge(on_failure_now=on_failure_now)


def _pi_report_failure(self: Any) -> None:
    emit("payment_intent.payment_failed", self)
    charge = self.latest_charge
    raise StripeError(
        402,
        charge.failure_message,
        type="card_error",
        code=charge.failure_code,
        decline_code=getattr(charge, "_decline_code", "generic_decline"),
        charge=charge.id,
        payment_intent=self._export(),
    )


def _pi_last_payment_error(self: Any) -> Any:
    if getattr(self, "_authentication_required", False):
        return {
            "type": "card_error",
            "code": "authentication_required",
            "decline_code": "authentication_required",
            "message": "Your card was declined. This transaction requires authentication.",
            "payment_method": {"id": getattr(self, "_failed_payment_method", None)},
        }
    if self._authentication_failed:
        return {
            "type": "card_error",
            "code": "payment_intent_authentication_failure",
            "message": "The provided PaymentMethod has failed authentication.",
        }
    charge = self.latest_charge
    if charge is not None and charge.status == "failed":
        return {
            "type": "card_error",
            "charge": charge.id,
            "code": charge.failure_code,
            "decline_code": getattr(charge, "_decline_code", "generic_decline"),
            "message": charge.failure_message,
        }
    return None


def _pi_on_success(self: Any) -> None:
    charge = self.latest_charge
    charge.description = getattr(self, "description", None)
    charge.receipt_email = getattr(self, "receipt_email", None)
    transfer_data = getattr(self, "transfer_data", None)
    if transfer_data and charge.transfer is None:
        destination = transfer_data["destination"]
        fee = getattr(self, "application_fee_amount", None) or 0
        amount = transfer_data.get("amount", charge.amount - fee)
        transfer = Transfer(
            amount=amount,
            currency=charge.currency,
            destination=destination,
            source_transaction=charge.id,
            transfer_group=getattr(self, "transfer_group", None) or f"group_{self.id}",
        )
        charge.transfer = transfer.id
        charge.transfer_data = {"destination": destination, "amount": amount}
        charge.destination = destination
        if fee:
            charge.application_fee = ApplicationFee(
                amount=fee, currency=charge.currency, account=destination, charge=charge.id
            ).id
            charge.application_fee_amount = fee
    if getattr(self, "setup_future_usage", None) and self.customer:
        pm = PaymentMethod._api_retrieve(self.payment_method)
        if getattr(pm, "object", None) == "payment_method" and pm.customer is None:
            pm.customer = self.customer
            emit("payment_method.attached", pm)
    _original_pi_on_success(self)
    emit("charge.succeeded", charge)


def _charge_init(self: Any, *args: Any, **kwargs: Any) -> None:
    _original_charge_init(self, *args, **kwargs)
    self.transfer = None
    self.transfer_data = None
    self.destination = None
    self.application_fee = None
    self.application_fee_amount = None
    self.disputed = False
    source = PaymentMethod._api_retrieve(self.payment_method)
    number = getattr(source, "_card_number", None)
    if number in _DECLINED_AT_CHARGE:
        self._decline_code = _DECLINED_AT_CHARGE[number]


def _charging_is_declined(self: Any) -> bool:
    return bool(
        _original_charging_is_declined(self)
        or getattr(self, "_card_number", None) in _DECLINED_AT_CHARGE
    )


def _charge_set_auth_failure(self: Any) -> None:
    self.status = "failed"
    self.failure_code = "card_declined"
    self.failure_message = (
        "Your card has insufficient funds."
        if getattr(self, "_decline_code", None) == "insufficient_funds"
        else "Your card was declined."
    )


_REFUND_EXTRA = ("reverse_transfer", "refund_application_fee", "reason", "instructions_email")


def _refund_init(self: Any, **data: Any) -> None:
    extra = {name: data.pop(name) for name in _REFUND_EXTRA if name in data}
    charge_id = data.get("charge")
    if charge_id is None and data.get("payment_intent"):
        pi = PaymentIntent._api_retrieve(data["payment_intent"])
        if pi.latest_charge is None:
            raise invalid("This PaymentIntent has no successful charge to refund.")
        charge_id = pi.latest_charge.id
    if charge_id is None:
        raise invalid("One of charge or payment_intent is required.")
    charge = Charge._api_retrieve(charge_id)
    remaining = charge.amount - charge.amount_refunded
    amount = to_int(data["amount"], "amount") if data.get("amount") is not None else remaining
    if amount > remaining or remaining <= 0:
        raise invalid(
            f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})",
            code="charge_already_refunded" if remaining <= 0 else "amount_too_large",
            param="amount",
        )
    reason = extra.get("reason")
    if reason is not None and reason not in ("duplicate", "fraudulent", "requested_by_customer"):
        raise invalid(f"Invalid reason: {reason}", param="reason")
    data["amount"] = amount
    if data.get("payment_intent") is None:
        data["payment_intent"] = None
    _original_refund_init(self, **data)
    if self.payment_intent is None:
        self.payment_intent = charge.payment_intent
    self.reason = reason
    self.transfer_reversal = None
    self.source_transfer_reversal = None
    refunded_after = charge.amount_refunded  # includes this refund (it is in the store)
    everything = refunded_after >= charge.amount
    if to_bool(extra.get("reverse_transfer", False)) and charge.transfer:
        transfer = Transfer._api_retrieve(charge.transfer)
        left = transfer.amount - transfer.amount_reversed
        share = left if everything else min(left, transfer.amount * amount // charge.amount)
        if share > 0:
            self.transfer_reversal = transfer._reverse(share, {"refund": self.id})["id"]
    if to_bool(extra.get("refund_application_fee", False)) and charge.application_fee:
        fee = ApplicationFee._api_retrieve(charge.application_fee)
        left = fee.amount - fee.amount_refunded
        share = left if everything else min(left, fee.amount * amount // charge.amount)
        # The fee was the platform's share of the charge (never in the connected balance,
        # since the transfer was amount - fee): refunding it costs the platform only.
        fee._refund(share)
    emit("charge.refunded", charge)
    emit("refund.created", self)


def _pi_export(self: Any, expand: Any = None) -> Any:
    # Stripe answers `latest_charge` as an id unless expanded; localstripe embeds the object.
    exported = _original_pi_export(self, expand=expand)
    expanded = any(p.split(".")[0] == "latest_charge" for p in (expand or []))
    if isinstance(exported.get("latest_charge"), dict) and not expanded:
        exported["latest_charge"] = exported["latest_charge"]["id"]
    return exported


def _event_list(cls: Any, url: str, **data: Any) -> Any:
    # Stripe lists newest first; localstripe in store order (oldest first), so a limited
    # page would miss recent events.
    li = _original_event_list(cls, url, **data)
    li._list = sorted(reversed(li._list), key=lambda event: event.created, reverse=True)
    return li


def install() -> None:
    Event._api_list_all = classmethod(_event_list)
    PaymentIntent._export = _pi_export
    PaymentIntent.__init__ = _pi_init
    PaymentIntent._api_create = classmethod(_pi_api_create)
    PaymentIntent._api_confirm = classmethod(_pi_api_confirm)
    PaymentIntent._confirm = _pi_confirm
    PaymentIntent._report_failure = _pi_report_failure
    PaymentIntent.last_payment_error = property(_pi_last_payment_error)
    PaymentIntent._on_success = _pi_on_success
    Charge.__init__ = _charge_init
    Charge._set_auth_failure = _charge_set_auth_failure
    PaymentMethod._charging_is_declined = _charging_is_declined
    Refund.__init__ = _refund_init
