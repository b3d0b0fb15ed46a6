from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo workspace (`manage.py seed_demo`). It sits above every app and may import
    any of them; nothing imports it."""

    name = "demo"
    verbose_name = "Demo data"
