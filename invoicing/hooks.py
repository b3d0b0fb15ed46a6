"""What apps above invoicing plug into it, since invoicing never imports them:

- when invoices come into being without a person (the recurring run), a callback called
  in the run's transaction with the workspace and the invoices just finalised (payments
  queues auto-charges of saved cards);
- whether a workspace's clients can pay online (payments: a Stripe account that takes
  charges), so an invoice without payment instructions is not flagged as unpayable."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from accounts.models import Workspace
from invoicing.models import Invoice

RecurringFinalized = Callable[[Workspace, Sequence[Invoice]], None]
_on_recurring_finalized: list[RecurringFinalized] = []
# Whether a workspace's clients can pay an invoice online (payments: a chargeable Stripe
# account), for the "no way to pay" warning.
PaysOnline = Callable[[Workspace], bool]
_pays_online: list[PaysOnline] = []


def register_pays_online(check: PaysOnline) -> None:
    if check not in _pays_online:
        _pays_online.append(check)


def pays_online(workspace: Workspace) -> bool:
    return any(check(workspace) for check in _pays_online)


def register_recurring_finalized(callback: RecurringFinalized) -> None:
    if callback not in _on_recurring_finalized:
        _on_recurring_finalized.append(callback)


def recurring_finalized(workspace: Workspace, invoices: Sequence[Invoice]) -> None:
    if not invoices:
        return
    for callback in _on_recurring_finalized:
        callback(workspace, invoices)
