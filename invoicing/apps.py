from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = "Invoicing"

    def ready(self) -> None:
        from engagements.client_panels import register_client_panel
        from engagements.frozen import register_claim_labeller
        from invoicing import ledger_checks
        from invoicing.claim_labels import invoice_claim_holder
        from invoicing.client_panel import client_invoices_panel

        # Invoicing's money rows are checked against the ledger by `ledger_check`.
        ledger_checks.register()
        # Frozen-period messages name the invoice ("already invoiced (INV-0003)").
        register_claim_labeller(invoice_claim_holder)
        # The client page shows the client's invoices and what they owe.
        register_client_panel(client_invoices_panel)
