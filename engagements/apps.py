from django.apps import AppConfig


class EngagementsConfig(AppConfig):
    name = "engagements"
    verbose_name = "Clients and engagements"

    def ready(self) -> None:
        from engagements import claim_checks

        # The records' `billed` flags are checked against their claims by `ledger_check`.
        claim_checks.register()
