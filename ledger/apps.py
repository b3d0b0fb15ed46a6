from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = "Ledger"

    def ready(self) -> None:
        # The ledger's own consistency checks; other apps register theirs in their ready().
        from ledger.checks import register_builtin_checks

        register_builtin_checks()
