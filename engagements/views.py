from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.tenancy import get_tenant_object_or_404
from accounts.views import form_errors_from, workspace_role
from engagements import services
from engagements.forms import ClientForm
from engagements.models import Client


def _form_data(form: ClientForm) -> dict:
    return {k: (str(v) if k == "country" else v) for k, v in form.cleaned_data.items()}


@workspace_role("read")
def client_list(request: HttpRequest) -> HttpResponse:
    clients = Client.objects.filter(archived_at__isnull=True)
    query = request.GET.get("q", "").strip()
    if query:
        clients = clients.filter(name__icontains=query)
    page = Paginator(clients.order_by("name", "pk"), 50).get_page(request.GET.get("page"))
    return render(request, "engagements/client_list.html", {"page": page, "query": query})


@workspace_role("write")
def client_create(request: HttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None, initial={"currency": request.workspace.base_currency})
    if request.method == "POST" and form.is_valid():
        try:
            client = services.client_create(
                workspace=request.workspace, actor=request.user, **_form_data(form)
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, f"Client “{client.name}” added.")
            return redirect("client_detail", workspace=request.workspace.slug, pk=client.pk)
    return render(request, "engagements/client_form.html", {"form": form})


@workspace_role("read")
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_tenant_object_or_404(Client, request.workspace, pk=pk)
    form = ClientForm(request.POST or None, instance=client)
    if request.method == "POST":
        if not request.membership.can_write:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("Your role in this workspace is read-only.")
        if form.is_valid():
            try:
                services.client_update(client=client, actor=request.user, **_form_data(form))
            except ValidationError as exc:
                form_errors_from(exc, form)
            else:
                messages.success(request, "Client saved.")
                return redirect("client_detail", workspace=request.workspace.slug, pk=client.pk)
    return render(request, "engagements/client_detail.html", {"client": client, "form": form})
