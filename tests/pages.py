"""Every page a signed-in professional can open, for tests that check something of all of
them (no duplicate ids, fits a phone): the parameterless routes of the URL resolver (as
tests/test_csp.py walks them) with the workspace filled in, plus the detail pages of every
client, engagement, invoice and proposal of the workspace and the client's public links."""

from __future__ import annotations

from django.urls import reverse
from django_scopes import scopes_disabled

from accounts.models import User, Workspace
from accounts.tenancy import workspace_scope
from engagements import services as work
from engagements.models import BlockedTime, Client, Engagement, Proposal
from invoicing.models import Invoice
from invoicing.services.links import invoice_link_current, invoice_link_issue
from tests.production import routes

# Not pages: downloads, actions that answer a redirect, probes.
SKIPPED_SUFFIXES = (".csv", "/logout/", "/healthz", "/reauthenticate/")


def parameterless_pages(workspace: Workspace) -> list[str]:
    found = []
    for route in routes():
        if route.startswith(("api/", "admin/", "^", "accounts/^")) or "(?P" in route:
            continue
        route = route.replace("<slug:workspace>", workspace.slug)
        if "<" in route:
            continue
        path = "/" + route
        if path.endswith(SKIPPED_SUFFIXES) or path == "/healthz":
            continue
        found.append(path)
    return found


def detail_pages(workspace: Workspace) -> list[str]:
    ws = workspace.slug
    with scopes_disabled():
        clients = list(Client.objects.filter(workspace=workspace).values_list("pk", flat=True))
        engagements = list(
            Engagement.objects.filter(workspace=workspace).values_list("pk", flat=True)
        )
        invoices = list(Invoice.objects.filter(workspace=workspace).values_list("pk", flat=True))
        proposals = list(Proposal.objects.filter(workspace=workspace).values_list("pk", flat=True))
        blocked = list(BlockedTime.objects.filter(workspace=workspace).values_list("pk", flat=True))
    pages = [reverse("engagements:client_detail", args=[ws, pk]) for pk in clients]
    pages += [reverse("engagements:engagement_detail", args=[ws, pk]) for pk in engagements]
    pages += [reverse("engagements:engagement_edit", args=[ws, pk]) for pk in engagements[:1]]
    pages += [reverse("invoicing:invoice_detail", args=[ws, pk]) for pk in invoices]
    pages += [reverse("engagements:proposal_detail", args=[ws, pk]) for pk in proposals]
    pages += [reverse("engagements:blocked_time_edit", args=[ws, pk]) for pk in blocked[:1]]
    return pages


def public_pages(workspace: Workspace, actor: User) -> list[str]:
    """The client's side: the link of every invoice past draft (issued if it has none), and
    of every proposal out with its client (recomputed from id and version, as the email
    does; a draft has no link yet)."""
    pages = []
    with scopes_disabled():
        invoices = list(Invoice.objects.filter(workspace=workspace).exclude(status="draft"))
        open_proposals = list(
            Proposal.objects.filter(workspace=workspace, status=Proposal.Status.SENT)
        )
    with workspace_scope(workspace):
        for invoice in invoices:
            token = invoice_link_current(invoice) or invoice_link_issue(
                invoice=invoice, actor=actor
            )
            pages.append(reverse("invoicing:invoice_public", args=[token]))
        for proposal in open_proposals:
            token = work.proposal_link_current(proposal)
            if token is None:  # a link from before versions: sending again issues one
                _, token = work.proposal_send(proposal=proposal, actor=actor)
            pages.append(reverse("engagements:proposal_public", args=[token]))
    return pages
