from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = "Invoicing"

    def ready(self) -> None:
        # Invoicing's money rows are checked against the ledger by `ledger_check`.
        from invoicing import ledger_checks

        ledger_checks.register()
