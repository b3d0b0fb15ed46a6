"""Balances and payouts of connected accounts (Stripe-Account header), transfers,
application fees and disputes, with their test controls."""

from typing import Any

from aiohttp import web
from localstripe.resources import Balance, Charge, Payout, store

from devstripe.http import (
    invalid,
    json_response,
    not_found,
    params,
    stripe_account,
    test_params,
    to_int,
)
from devstripe.objects import (
    Account,
    ApplicationFee,
    ConnectedPayout,
    Dispute,
    Transfer,
    application_fees,
    connected_payouts,
    disputes,
    emit,
    list_of,
    transfers,
)

routes = web.RouteTableDef()


@routes.get("/v1/balance")
async def balance(request: web.Request) -> web.Response:
    account_id = stripe_account(request)
    if account_id is None:
        return json_response(Balance._api_retrieve()._export())
    return json_response(Account._api_retrieve(account_id)._balance_export())


def _payout_for(request: web.Request) -> Any:
    payout = store.get("payout:" + request.match_info["id"])
    if payout is None or getattr(payout, "account", None) != stripe_account(request):
        raise not_found("payout", request.match_info["id"])
    return payout


@routes.post("/v1/payouts")
async def payout_create(request: web.Request) -> web.Response:
    data = await params(request)
    account_id = stripe_account(request)
    if account_id is None:
        return json_response(Payout._api_create(**data)._export())
    account = Account._api_retrieve(account_id)
    payout = ConnectedPayout(
        account=account,
        amount=to_int(data.pop("amount", None), "amount"),
        currency=str(data.pop("currency", account.default_currency)).lower(),
        automatic=False,
        description=data.pop("description", None),
        metadata=data.pop("metadata", None),
        method=data.pop("method", "standard"),
        statement_descriptor=data.pop("statement_descriptor", None),
    )
    if data:
        raise invalid("Received unknown parameter: " + ", ".join(sorted(data)))
    return json_response(payout._export())


@routes.get("/v1/payouts")
async def payout_list(request: web.Request) -> web.Response:
    data = await params(request)
    account_id = stripe_account(request)
    if account_id is None:
        items = [
            v
            for k, v in store.items()
            if k.startswith("payout:") and getattr(v, "account", None) is None
        ]
    else:
        Account._api_retrieve(account_id)
        items = connected_payouts(account_id)
    if data.get("status"):
        items = [p for p in items if p.status == data["status"]]
    li = list_of("/v1/payouts", items, data.get("limit"), data.get("starting_after"))
    return json_response(li._export())


@routes.get("/v1/payouts/{id}")
async def payout_retrieve(request: web.Request) -> web.Response:
    return json_response(_payout_for(request)._export())


@routes.post("/_test/payouts/{id}/{outcome:paid|failed}")
async def payout_settle(request: web.Request) -> web.Response:
    payout = store.get("payout:" + request.match_info["id"])
    if not isinstance(payout, ConnectedPayout):
        raise not_found("payout", request.match_info["id"])
    data = await test_params(request)
    payout._settle(request.match_info["outcome"], data.get("failure_code"))
    store["payout:" + payout.id] = payout
    return json_response(payout._export())


@routes.post("/_test/accounts/{id}/payouts")
async def payout_automatic(request: web.Request) -> web.Response:
    """What Stripe's payout schedule does: pay out the available balance (or `amount`)."""
    account = Account._api_retrieve(request.match_info["id"])
    data = await test_params(request)
    currency = str(data.get("currency", account.default_currency)).lower()
    amount = to_int(data.get("amount", account._available(currency)), "amount")
    payout = ConnectedPayout(account=account, amount=amount, currency=currency, automatic=True)
    store["account:" + account.id] = account
    return json_response(payout._export())


@routes.post("/v1/transfers")
async def transfer_create(request: web.Request) -> web.Response:
    data = await params(request)
    if not data.get("currency"):
        raise invalid("Missing required param: currency.", param="currency")
    transfer = Transfer(
        amount=to_int(data.pop("amount", None), "amount"),
        currency=str(data.pop("currency")).lower(),
        destination=str(data.pop("destination", "")),
        source_transaction=data.pop("source_transaction", None),
        transfer_group=data.pop("transfer_group", None),
        description=data.pop("description", None),
        metadata=data.pop("metadata", None),
    )
    return json_response(transfer._export())


@routes.get("/v1/transfers")
async def transfer_list(request: web.Request) -> web.Response:
    data = await params(request)
    items = transfers()
    if data.get("destination"):
        items = [t for t in items if t.destination == data["destination"]]
    if data.get("transfer_group"):
        items = [t for t in items if t.transfer_group == data["transfer_group"]]
    li = list_of("/v1/transfers", items, data.get("limit"), data.get("starting_after"))
    return json_response(li._export())


@routes.get("/v1/transfers/{id}")
async def transfer_retrieve(request: web.Request) -> web.Response:
    return json_response(Transfer._api_retrieve(request.match_info["id"])._export())


@routes.post("/v1/transfers/{id}/reversals")
async def transfer_reverse(request: web.Request) -> web.Response:
    transfer = Transfer._api_retrieve(request.match_info["id"])
    data = await params(request)
    left = transfer.amount - transfer.amount_reversed
    amount = to_int(data.get("amount", left), "amount")
    reversal = transfer._reverse(amount, data.get("metadata"))
    store["transfer:" + transfer.id] = transfer
    return json_response(reversal)


@routes.get("/v1/transfers/{id}/reversals")
async def transfer_reversals(request: web.Request) -> web.Response:
    return json_response(Transfer._api_retrieve(request.match_info["id"]).reversals)


@routes.get("/v1/application_fees")
async def fee_list(request: web.Request) -> web.Response:
    data = await params(request)
    items = application_fees()
    if data.get("charge"):
        items = [f for f in items if f.charge == data["charge"]]
    li = list_of("/v1/application_fees", items, data.get("limit"), data.get("starting_after"))
    return json_response(li._export())


@routes.get("/v1/application_fees/{id}")
async def fee_retrieve(request: web.Request) -> web.Response:
    return json_response(ApplicationFee._api_retrieve(request.match_info["id"])._export())


@routes.get("/v1/disputes")
async def dispute_list(request: web.Request) -> web.Response:
    data = await params(request)
    items = disputes()
    for field in ("charge", "payment_intent"):
        if data.get(field):
            items = [d for d in items if getattr(d, field) == data[field]]
    li = list_of("/v1/disputes", items, data.get("limit"), data.get("starting_after"))
    return json_response(li._export())


@routes.get("/v1/disputes/{id}")
async def dispute_retrieve(request: web.Request) -> web.Response:
    return json_response(Dispute._api_retrieve(request.match_info["id"])._export())


@routes.post("/v1/disputes/{id}/close")
async def dispute_accept(request: web.Request) -> web.Response:
    """Accepting a dispute (the SDK's Dispute.close) loses it."""
    dispute = Dispute._api_retrieve(request.match_info["id"])
    _close(dispute, "lost")
    return json_response(dispute._export())


@routes.post("/_test/charges/{id}/dispute")
async def dispute_create(request: web.Request) -> web.Response:
    charge = Charge._api_retrieve(request.match_info["id"])
    if charge.status != "succeeded":
        raise invalid("Only a succeeded charge can be disputed.")
    if getattr(charge, "disputed", False):
        raise invalid("This charge is already disputed.")
    data = await test_params(request)
    amount = to_int(data.get("amount", charge.amount - charge.amount_refunded), "amount")
    if not 0 < amount <= charge.amount:
        raise invalid("Dispute amount must be between 1 and the charge amount.")
    dispute = Dispute(charge=charge, amount=amount, reason=data.get("reason", "fraudulent"))
    charge.disputed = True
    if getattr(charge, "transfer", None):
        # Destination charge: Stripe debits the platform; the platform takes the disputed
        # amount back from the connected account by reversing the transfer (up to what is
        # left of it).
        transfer = Transfer._api_retrieve(charge.transfer)
        share = min(amount, transfer.amount - transfer.amount_reversed)
        if share > 0:
            transfer._reverse(share, {"dispute": dispute.id})
            dispute._reversed_transfer = transfer.id
            dispute._reversed_amount = share
            store["transfer:" + transfer.id] = transfer
    store["dispute:" + dispute.id] = dispute
    store["charge:" + charge.id] = charge
    emit("charge.dispute.created", dispute)
    return json_response(dispute._export())


def _close(dispute: Any, status: str) -> None:
    if dispute.status in ("won", "lost"):
        raise invalid(f"Dispute {dispute.id} is already {dispute.status}.")
    dispute.status = status
    if status == "won" and dispute._reversed_transfer and dispute._reversed_amount:
        # The funds come back to the platform; it pays the connected account again with a
        # new transfer (a reversal cannot be undone).
        reversed_from = Transfer._api_retrieve(dispute._reversed_transfer)
        Transfer(
            amount=dispute._reversed_amount,
            currency=dispute.currency,
            destination=reversed_from.destination,
            source_transaction=dispute.charge,
            transfer_group=reversed_from.transfer_group,
            metadata={"dispute": dispute.id, "restores": reversed_from.id},
        )
    store["dispute:" + dispute.id] = dispute
    emit("charge.dispute.closed", dispute)


@routes.post("/_test/disputes/{id}/close")
async def dispute_close(request: web.Request) -> web.Response:
    dispute = Dispute._api_retrieve(request.match_info["id"])
    data = await test_params(request)
    status = data.get("status")
    if status not in ("won", "lost"):
        raise invalid("status must be won or lost", param="status")
    _close(dispute, status)
    return json_response(dispute._export())
