from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = "Invoicing"

    def ready(self) -> None:
        from engagements.frozen import register_claim_labeller
        from invoicing.claim_labels import invoice_claim_holder

        # Frozen-period messages name the invoice ("already invoiced (INV-0003)").
        register_claim_labeller(invoice_claim_holder)
