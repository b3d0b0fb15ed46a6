from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """Reads across the apps below it to show the business at a glance: the dashboard
    today; the money view, cash-flow forecast, tax set-aside and income report next."""

    name = "insights"
    verbose_name = "Insights"
