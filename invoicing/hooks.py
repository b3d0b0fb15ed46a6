"""What apps above invoicing do when invoices come into being without a person (the
recurring run): they register a callback here, invoicing calls it in the run's
transaction with the workspace and the invoices just finalised. Payments uses it to
queue auto-charges of saved cards. Invoicing never imports the apps above it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from accounts.models import Workspace
from invoicing.models import Invoice

RecurringFinalized = Callable[[Workspace, Sequence[Invoice]], None]
_on_recurring_finalized: list[RecurringFinalized] = []


def register_recurring_finalized(callback: RecurringFinalized) -> None:
    if callback not in _on_recurring_finalized:
        _on_recurring_finalized.append(callback)


def recurring_finalized(workspace: Workspace, invoices: Sequence[Invoice]) -> None:
    if not invoices:
        return
    for callback in _on_recurring_finalized:
        callback(workspace, invoices)
