from django.apps import AppConfig


class CoreConfig(AppConfig):
    """An app so Django finds the kernel's template tags (`{% load money %}`), its one
    model (the outbox, `core.models`) and its command (`manage.py outbox_relay`)."""

    name = "core"
    verbose_name = "Kernel"
