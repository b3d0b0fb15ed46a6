from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Installed only so Django finds the kernel's template tags (`{% load money %}`)."""

    name = "core"
    verbose_name = "Kernel"
