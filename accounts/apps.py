from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and workspaces"

    def ready(self) -> None:
        from accounts.tenancy import WORKSPACE
        from core.tenancy import register_tenant_kind

        register_tenant_kind(WORKSPACE)
