from django.core.exceptions import ValidationError as DjangoValidationError
from django_countries.serializer_fields import CountryField
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers

from accounts.api.views import as_drf_error
from accounts.currencies import currency_choices
from engagements import services
from engagements.models import Client
from portfolio.api import WorkspaceSerializerMixin, WorkspaceViewSet


class ClientSerializer(WorkspaceSerializerMixin, serializers.ModelSerializer):
    country = CountryField(required=False, allow_blank=True)
    currency = serializers.ChoiceField(
        choices=currency_choices(),
        required=False,
        help_text="Defaults to the workspace's base currency.",
    )

    class Meta:
        model = Client
        fields = [
            "id",
            "name",
            "email",
            "contact_name",
            "currency",
            "payment_terms_days",
            "billing_address",
            "country",
            "tax_id",
            "notes",
            "archived_at",
            "created_at",
        ]
        read_only_fields = ["id", "archived_at", "created_at"]


@extend_schema(tags=["clients"])
class ClientViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    WorkspaceViewSet,
):
    """Clients of the workspace."""

    model = Client
    serializer_class = ClientSerializer
    filterset_fields = ["currency"]
    ordering_fields = ["name", "created_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        try:
            serializer.instance = services.client_create(
                workspace=self.request.workspace,
                actor=self.request.user,
                **{
                    k: str(v) if k == "country" else v for k, v in serializer.validated_data.items()
                },
            )
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc

    def perform_update(self, serializer):
        try:
            serializer.instance = services.client_update(
                client=serializer.instance,
                actor=self.request.user,
                **{
                    k: str(v) if k == "country" else v for k, v in serializer.validated_data.items()
                },
            )
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
