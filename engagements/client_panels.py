"""Sections other apps add to the client page. Engagements sits below them (it may not
import invoicing), so an app registers a builder in its AppConfig.ready — as invoicing does
for the client's invoices and balance — and the page renders what the builders return."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from engagements.models import Client


@dataclass(frozen=True)
class ClientPanel:
    template: str
    context: dict[str, object] = field(default_factory=dict)


ClientPanelBuilder = Callable[[Client], ClientPanel | None]
_builders: list[ClientPanelBuilder] = []


def register_client_panel(builder: ClientPanelBuilder) -> None:
    if builder not in _builders:
        _builders.append(builder)


def client_panels(client: Client) -> list[ClientPanel]:
    """The registered sections for this client (inside the workspace's scope)."""
    panels = [builder(client) for builder in _builders]
    return [p for p in panels if p is not None]
