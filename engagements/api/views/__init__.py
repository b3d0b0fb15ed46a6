"""The engagements API under /api/v1/workspaces/<workspace>/: thin viewsets that parse
input, call one service (or billing/capacity read) and render.

Scoping, 404s across tenants and read-only accountants come from `WorkspaceViewSet`;
related ids are narrowed to the workspace by the serializers. Services raise Django's
ValidationError (field dicts or a message); `service_errors` answers it as a 400 in the
standard error body."""
