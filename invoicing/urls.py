"""Pages of the invoicing app under /w/<workspace>/ (membership enforced by
WorkspaceMiddleware; each route must be in tests/test_tenancy.py's table)."""

urlpatterns: list = []
