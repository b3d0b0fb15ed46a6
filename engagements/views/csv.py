"""The import & export page: CSV uploads for clients and time entries (writers only),
CSV downloads of everything (any member, accountants included)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.tenancy import WorkspaceRequest
from core import csvtools
from core.pages import role_required
from engagements import csv_import
from engagements.csv_columns import CLIENT_COLUMNS, TIME_COLUMNS
from engagements.csv_export import EXPORTS
from engagements.models import Engagement, EngagementStatus

IMPORTS: dict[str, dict[str, Any]] = {
    "clients": {
        "title": "Clients",
        "columns": CLIENT_COLUMNS,
        "run": csv_import.clients_import,
        "noun": ("client", "clients"),
        "template_url": "engagements:csv_template_clients",
    },
    "time-entries": {
        "title": "Time entries",
        "columns": TIME_COLUMNS,
        "run": csv_import.time_entries_import,
        "noun": ("time entry", "time entries"),
        "template_url": "engagements:csv_template_time_entries",
    },
}

EXPORT_LABELS = [
    ("clients", "Clients", "engagements:csv_export_clients", "Every client, archived ones too."),
    (
        "engagements",
        "Engagements",
        "engagements:csv_export_engagements",
        "With each pay model's terms as columns.",
    ),
    (
        "time-entries",
        "Time entries",
        "engagements:csv_export_time_entries",
        "Re-importable: the columns match the import.",
    ),
    (
        "expenses",
        "Expenses",
        "engagements:csv_export_expenses",
        "With markup and the rebill amount.",
    ),
]


class ImportForm(forms.Form):
    kind = forms.ChoiceField(choices=[(k, k) for k in IMPORTS], widget=forms.HiddenInput)
    file = forms.FileField(label="CSV file")


@role_required("read")
def import_export(request: WorkspaceRequest) -> HttpResponse:
    """GET: the page. POST: run one import; on success redirect with a message, otherwise
    show the row errors (nothing was saved)."""
    result = None
    if request.method == "POST":
        if not request.membership.can_write:
            raise PermissionDenied("Your role in this workspace is read-only.")
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            kind = form.cleaned_data["kind"]
            spec = IMPORTS[kind]
            upload = form.cleaned_data["file"]
            try:
                outcome = spec["run"](
                    workspace=request.workspace, actor=request.user, upload=upload
                )
            except csv_import.ImportRejected as exc:
                result = {
                    "kind": kind,
                    "title": spec["title"],
                    "file": upload.name,
                    "errors": exc.row_errors,
                    "total": exc.total_errors,
                }
            else:
                noun = spec["noun"][0] if outcome.created == 1 else spec["noun"][1]
                text = f"Imported {outcome.created:,} {noun} from {upload.name}."
                if outcome.ignored_columns:
                    text += " Ignored columns: " + ", ".join(outcome.ignored_columns) + "."
                messages.success(request, text)
                return redirect("engagements:csv_import_export", workspace=request.workspace.slug)
        else:
            kind = request.POST.get("kind", "")
            result = {
                "kind": kind,
                "title": IMPORTS.get(kind, {}).get("title", "Import"),
                "file": "",
                "errors": [csv_import.RowError(0, "", "Choose a CSV file to import.")],
                "total": 1,
            }
    context = {
        "imports": [{"kind": kind, **spec} for kind, spec in IMPORTS.items()],
        "exports": EXPORT_LABELS,
        "result": result,
        "max_rows": csv_import.MAX_ROWS,
        "max_mb": csv_import.MAX_BYTES // (1024 * 1024),
    }
    return render(request, "engagements/csv/import_export.html", context)


def _filename(request: WorkspaceRequest, kind: str) -> str:
    return f"{request.workspace.slug}-{kind}-{timezone.localdate():%Y-%m-%d}.csv"


@role_required("read")
def csv_export(request: WorkspaceRequest, kind: str) -> StreamingHttpResponse:
    """Stream one export. The queryset is built here, inside the request's workspace scope,
    and filtered by the workspace explicitly; the rows are read as the response streams."""
    export = EXPORTS[kind](request.workspace)
    response = StreamingHttpResponse(
        csvtools.csv_stream(export.header, export.rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(request, kind)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@role_required("read")
def csv_template(request: WorkspaceRequest, kind: str) -> HttpResponse:
    example = None
    if kind == "time-entries":
        # A real engagement name makes the example row importable as it is.
        engagement = (
            Engagement.objects.filter(workspace=request.workspace, status=EngagementStatus.ACTIVE)
            .order_by("-start_date", "pk")
            .values_list("name", flat=True)
            .first()
        )
        example = {
            "date": f"{timezone.localdate():%Y-%m-%d}",
            "user": request.user.email,
            **({"engagement": engagement} if engagement else {}),
        }
    body = csv_import.template_csv(IMPORTS[kind]["columns"], example)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
    return response
