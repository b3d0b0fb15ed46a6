"""Pages of the engagements app, mounted under /w/<workspace>/ (membership is enforced by
WorkspaceMiddleware; every route here must also be in tests/test_tenancy.py's table)."""

from django.urls import path

from engagements import views, views_csv

urlpatterns = [
    path("clients/", views.client_list, name="client_list"),
    path("clients/new/", views.client_create, name="client_create"),
    path("clients/<int:pk>/", views.client_detail, name="client_detail"),
    # CSV import & export (views_csv)
    path("import-export/", views_csv.import_export, name="csv_import_export"),
    path(
        "import-export/clients-template.csv",
        views_csv.csv_template,
        {"kind": "clients"},
        name="csv_template_clients",
    ),
    path(
        "import-export/time-entries-template.csv",
        views_csv.csv_template,
        {"kind": "time-entries"},
        name="csv_template_time_entries",
    ),
    path(
        "export/clients.csv", views_csv.csv_export, {"kind": "clients"}, name="csv_export_clients"
    ),
    path(
        "export/engagements.csv",
        views_csv.csv_export,
        {"kind": "engagements"},
        name="csv_export_engagements",
    ),
    path(
        "export/time-entries.csv",
        views_csv.csv_export,
        {"kind": "time-entries"},
        name="csv_export_time_entries",
    ),
    path(
        "export/expenses.csv",
        views_csv.csv_export,
        {"kind": "expenses"},
        name="csv_export_expenses",
    ),
]
