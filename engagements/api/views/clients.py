"""API for clients and their contacts."""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from accounts.api.base import WorkspaceViewSet
from core.api.errors import WRITE_METHODS, refuse_change, service_errors
from core.inputs import UNSET, Unset
from engagements import services
from engagements.api import filters
from engagements.api import serializers as s
from engagements.models import (
    Client,
    Contact,
)


@extend_schema(tags=["clients"])
class ClientViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    WorkspaceViewSet,
):
    """Clients of the workspace. A client with engagements cannot be deleted: archive it."""

    model = Client
    serializer_class = s.ClientSerializer
    filterset_class = filters.ClientFilter
    ordering_fields = ["name", "created_at"]
    http_method_names = WRITE_METHODS

    @staticmethod
    def _country(data) -> str | Unset:
        country = data.get("country", UNSET)
        return country if isinstance(country, Unset) else str(country)

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        data = serializer.validated_data
        with service_errors():
            serializer.instance = services.client_create(
                workspace=self.request.workspace,
                actor=self.request.user,
                country=self._country(data),
                name=data.get("name", UNSET),
                email=data.get("email", UNSET),
                contact_name=data.get("contact_name", UNSET),
                currency=data.get("currency", UNSET),
                payment_terms_days=data.get("payment_terms_days", UNSET),
                billing_address=data.get("billing_address", UNSET),
                tax_id=data.get("tax_id", UNSET),
                notes=data.get("notes", UNSET),
            )

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        data = serializer.validated_data
        with service_errors():
            serializer.instance = services.client_update(
                client=cast(Client, serializer.instance),
                actor=self.request.user,
                country=self._country(data),
                name=data.get("name", UNSET),
                email=data.get("email", UNSET),
                contact_name=data.get("contact_name", UNSET),
                currency=data.get("currency", UNSET),
                payment_terms_days=data.get("payment_terms_days", UNSET),
                billing_address=data.get("billing_address", UNSET),
                tax_id=data.get("tax_id", UNSET),
                notes=data.get("notes", UNSET),
            )

    def perform_destroy(self, instance: Any) -> None:
        with service_errors():
            services.client_delete(client=instance, actor=self.request.user)

    @extend_schema(request=None, responses=s.ClientSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Hide the client from current work; everything recorded for it stays."""
        client = services.client_archive(client=self.get_object(), actor=self.request.user)
        return Response(self.get_serializer(client).data)

    @extend_schema(request=None, responses=s.ClientSerializer)
    @action(detail=True, methods=["post"])
    def unarchive(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        client = services.client_archive(
            client=self.get_object(), actor=self.request.user, archived=False
        )
        return Response(self.get_serializer(client).data)


@extend_schema(tags=["clients"])
class ContactViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    WorkspaceViewSet,
):
    """People at the workspace's clients. Filter by `client` for one client's contacts."""

    model = Contact
    serializer_class = s.ContactSerializer
    filterset_class = filters.ContactFilter
    ordering_fields = ["name"]
    http_method_names = WRITE_METHODS

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        with service_errors():
            serializer.instance = services.contact_save(
                client=data["client"],
                actor=self.request.user,
                name=data.get("name", UNSET),
                email=data.get("email", UNSET),
                phone=data.get("phone", UNSET),
                role=data.get("role", UNSET),
                is_billing=data.get("is_billing", UNSET),
            )

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        contact: Any = serializer.instance  # an update always has its instance
        data = dict(serializer.validated_data)
        refuse_change(contact, data, "client")
        with service_errors():
            serializer.instance = services.contact_save(
                client=contact.client,
                actor=self.request.user,
                contact=contact,
                name=data.get("name", UNSET),
                email=data.get("email", UNSET),
                phone=data.get("phone", UNSET),
                role=data.get("role", UNSET),
                is_billing=data.get("is_billing", UNSET),
            )

    def perform_destroy(self, instance: Any) -> None:
        services.contact_delete(contact=instance, actor=self.request.user)
