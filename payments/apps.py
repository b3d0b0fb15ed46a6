from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from invoicing.hooks import register_pays_online, register_recurring_finalized
        from invoicing.invoice_panels import register_invoice_panel
        from invoicing.public_panels import register_public_invoice_panel
        from payments import ledger_checks
        from payments.invoice_panel import card_payments_panel
        from payments.services.autocharge import autocharge_queue
        from payments.services.card_payments import chargeable_account
        from payments.views.public import pay_panel

        # A recurring invoice of a client with a saved card is charged automatically.
        register_recurring_finalized(autocharge_queue)
        # Card payments, refunds, disputes and payouts are checked against the ledger.
        ledger_checks.register()
        register_public_invoice_panel(pay_panel)  # "Pay by card" on the client's link
        # The invoice page lists its card payments, refunds and disputes.
        register_invoice_panel(card_payments_panel)
        # An invoice without payment instructions is still payable: by card on its link.
        register_pays_online(lambda workspace: chargeable_account(workspace) is not None)
