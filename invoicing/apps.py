from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = "Invoicing"

    def ready(self) -> None:
        from engagements.frozen import register_claim_labeller
        from invoicing import ledger_checks
        from invoicing.claim_labels import invoice_claim_holder

        # Invoicing's money rows are checked against the ledger by `ledger_check`.
        ledger_checks.register()
        # Frozen-period messages name the invoice ("already invoiced (INV-0003)").
        register_claim_labeller(invoice_claim_holder)
