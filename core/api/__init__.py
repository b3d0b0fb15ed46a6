"""The API base every app builds on: a tenant-owned endpoint subclasses `TenantViewSet`
and declares only its model, serializer and filters; scoping, 404s across tenants, role
checks and token limits come from here (`permissions`, `viewsets`, `serializers`), service
errors become 400s (`errors`), lists paginate (`pagination`), and the schema is built
outside any tenant scope (`schema`)."""
