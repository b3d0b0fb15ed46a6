"""Dashboard pages for clients and their contacts.

Views stay thin: parse a form, call one service, render. Every POST that writes is gated
by `role_required("write")` (accountants read only: 403); every object comes through
`get_tenant_object_or_404` (another workspace's id is a 404). A service's
ValidationError is shown on the form it came from, with a 200, never a 500."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.tenancy import WorkspaceRequest
from core.pages import form_errors_from, role_required
from core.paginator import CappedPaginator
from core.tenancy import get_tenant_object_or_404
from engagements import services
from engagements.client_panels import client_panels
from engagements.forms.clients import ClientForm, ContactForm
from engagements.models import (
    Client,
    Contact,
)


@role_required("read")
def client_list(request: WorkspaceRequest) -> HttpResponse:
    archived = request.GET.get("archived") == "1"
    clients = Client.objects.filter(archived_at__isnull=not archived)
    query = request.GET.get("q", "").strip()
    if query:
        clients = clients.filter(name__icontains=query)
    page = CappedPaginator(clients.order_by("name", "pk"), 50).get_page(request.GET.get("page"))
    counts = Client.objects.aggregate(
        active=Count("pk", filter=Q(archived_at__isnull=True)),
        archived=Count("pk", filter=Q(archived_at__isnull=False)),
    )
    # The filters the page links keep (as the `urlencode` filter writes them).
    kept = ["archived=1"] if archived else []
    if query:
        kept.append(f"q={quote(query, safe='/')}")
    context = {
        "page": page,
        "query": query,
        "archived": archived,
        "counts": counts,
        "querystring": "&".join(kept),
    }
    return render(request, "engagements/client_list.html", context)


@role_required("write")
def client_create(request: WorkspaceRequest) -> HttpResponse:
    form = ClientForm(request.POST or None, initial={"currency": request.workspace.base_currency})
    if request.method == "POST" and form.is_valid():
        try:
            data = form.cleaned_data
            client = services.client_create(
                workspace=request.workspace,
                actor=request.user,
                name=data["name"],
                email=data["email"],
                contact_name=data["contact_name"],
                currency=data["currency"],
                payment_terms_days=data["payment_terms_days"],
                billing_address=data["billing_address"],
                country=str(data["country"]),  # a Country object from the form field
                tax_id=data["tax_id"],
                notes=data["notes"],
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, f"Client “{client.name}” added.")
            return redirect(
                "engagements:client_detail", workspace=request.workspace.slug, pk=client.pk
            )
    return render(request, "engagements/client_form.html", {"form": form})


def _client_page(
    request: WorkspaceRequest,
    client: Client,
    *,
    form: ClientForm | None = None,
    contact_form: ContactForm | None = None,
    status: int = 200,
) -> HttpResponse:
    editing = None
    if contact_form is None:
        contact_id = request.GET.get("contact", "")
        if contact_id.isdigit():
            editing = Contact.objects.filter(client=client, pk=int(contact_id)).first()
        contact_form = ContactForm(instance=editing, prefix="contact")
    else:
        editing = contact_form.instance if contact_form.instance.pk else None
    engagements = client.engagements.order_by("-start_date", "pk")
    context = {
        "client": client,
        "form": form or ClientForm(instance=client),
        "contacts": list(client.contacts.all()),
        "contact_form": contact_form,
        "editing_contact": editing,
        "engagements": engagements,
        "panels": client_panels(client),
    }
    return render(request, "engagements/client_detail.html", context, status=status)


@role_required("read")
def client_detail(request: WorkspaceRequest, pk: int) -> HttpResponse:
    client = get_tenant_object_or_404(Client, request.workspace, pk=pk)
    if request.method != "POST":
        return _client_page(request, client)
    if not request.membership.can_write:
        raise PermissionDenied("Your role in this workspace is read-only.")
    # A separate instance: a failed form must not change the page's header and summary.
    form = ClientForm(request.POST, instance=Client.objects.get(pk=client.pk))
    if form.is_valid():
        try:
            data = form.cleaned_data
            services.client_update(
                client=client,
                actor=request.user,
                name=data["name"],
                email=data["email"],
                contact_name=data["contact_name"],
                currency=data["currency"],
                payment_terms_days=data["payment_terms_days"],
                billing_address=data["billing_address"],
                country=str(data["country"]),  # a Country object from the form field
                tax_id=data["tax_id"],
                notes=data["notes"],
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, "Client saved.")
            return redirect(
                "engagements:client_detail", workspace=request.workspace.slug, pk=client.pk
            )
    return _client_page(request, client, form=form)


@require_POST
@role_required("write")
def client_contact_save(request: WorkspaceRequest, pk: int) -> HttpResponse:
    client = get_tenant_object_or_404(Client, request.workspace, pk=pk)
    contact = None
    contact_id = request.POST.get("contact_id", "")
    if contact_id:
        contact = get_tenant_object_or_404(
            Contact, request.workspace, pk=contact_id if contact_id.isdigit() else 0, client=client
        )
    form = ContactForm(request.POST, instance=contact, prefix="contact")
    if form.is_valid():
        try:
            data = form.cleaned_data
            saved = services.contact_save(
                client=client,
                actor=request.user,
                contact=contact,
                name=data["name"],
                role=data["role"],
                email=data["email"],
                phone=data["phone"],
                is_billing=data["is_billing"],
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, f"Contact “{saved.name}” saved.")
            return redirect(
                reverse("engagements:client_detail", args=[request.workspace.slug, client.pk])
                + "#contacts"
            )
    return _client_page(request, client, contact_form=form)


@require_POST
@role_required("write")
def client_archive(request: WorkspaceRequest, pk: int) -> HttpResponse:
    client = get_tenant_object_or_404(Client, request.workspace, pk=pk)
    archived = request.POST.get("archived", "1") == "1"
    services.client_archive(client=client, actor=request.user, archived=archived)
    if archived:
        messages.info(request, f"“{client.name}” archived. Its engagements and history stay.")
    else:
        messages.success(request, f"“{client.name}” is active again.")
    return redirect("engagements:client_detail", workspace=request.workspace.slug, pk=client.pk)
