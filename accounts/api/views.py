from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions, generics, mixins, permissions, status, viewsets
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.api import serializers as s
from accounts.api.base import WorkspaceViewSet
from accounts.models import ApiToken, Invitation, Membership, User, Workspace
from core.api.errors import as_drf_error
from core.api.parsers import JSONParser
from core.api.permissions import IsNotTenantLimited, IsTenantMember
from core.tenancy import membership_for


def _user(request: Request) -> User:
    """The caller: every view here but the token exchange requires authentication."""
    return cast(User, request.user)


class TokenCreateView(APIView):
    """Exchange email + password (+ TOTP code when two-factor is on) for an API token."""

    authentication_classes: list[type[Any]] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth_token"

    @extend_schema(
        request=s.TokenRequestSerializer,
        responses={201: s.TokenCreatedSerializer},
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        serializer = s.TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            token, key = services.api_token_create(
                user=data["user"], name=data["name"], workspace=data["workspace"]
            )
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        body = {
            "token": key,
            "id": token.pk,
            "name": token.name,
            "workspace": token.workspace.slug if token.workspace else None,
            "created_at": token.created_at,
        }
        return Response(s.TokenCreatedSerializer(body).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["auth"])
class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your API tokens. DELETE revokes one (it stops working at once). Not with a token
    limited to one workspace."""

    serializer_class = s.ApiTokenSerializer
    permission_classes = [permissions.IsAuthenticated, IsNotTenantLimited]

    def get_queryset(self) -> QuerySet[ApiToken]:
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=_user(self.request)).select_related("workspace")

    def perform_destroy(self, instance: ApiToken) -> None:
        services.api_token_revoke(token=instance)


@extend_schema(tags=["me"])
class MeView(generics.RetrieveUpdateAPIView):
    """The signed-in user and the workspaces they belong to. Not with a token limited to
    one workspace."""

    serializer_class = s.MeSerializer
    permission_classes = [permissions.IsAuthenticated, IsNotTenantLimited]
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self) -> User:
        return _user(self.request)


@extend_schema(tags=["workspaces"])
# A PATCH that sends a different slug is refused on `slug` (the address never changes).
@extend_validation_errors(["invalid"], field_name="slug", actions=["partial_update"])
class WorkspaceApiViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Workspaces you belong to. Creating one makes you its owner; owners and admins may
    change its settings. A token limited to one workspace reaches only that one's detail."""

    serializer_class = s.WorkspaceSerializer
    # JSON like every endpoint, or multipart to upload the logo.
    parser_classes = [JSONParser, MultiPartParser]
    # The list and create are account-level; /workspaces/<slug>/ is the tenant's own.
    permission_classes = [permissions.IsAuthenticated, IsNotTenantLimited]
    lookup_field = "slug"
    lookup_url_kwarg = "workspace"
    http_method_names = ["get", "post", "patch", "head", "options"]

    # Settings change only for owners and admins (IsTenantMember reads this).
    required_role = "manage"

    @extend_schema(request={"application/json": s.WorkspaceSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)

    @extend_schema(
        request={
            "application/json": s.WorkspaceUpdateSerializer,
            "multipart/form-data": s.WorkspaceLogoSerializer,
        }
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().partial_update(request, *args, **kwargs)

    def get_serializer_class(self) -> type[BaseSerializer[Workspace]]:
        if self.action == "partial_update":
            return s.WorkspaceUpdateSerializer
        return s.WorkspaceSerializer

    def get_permissions(self) -> Sequence[Any]:
        if "workspace" in self.kwargs:  # /workspaces/<slug>/: a member's, or 404
            return [permissions.IsAuthenticated(), IsTenantMember()]
        return super().get_permissions()

    def get_queryset(self) -> QuerySet[Workspace]:
        # Only the caller's own workspaces: anyone else's slug is a 404.
        return selectors.workspaces_for_user(user=_user(self.request))

    def perform_create(self, serializer: BaseSerializer[Workspace]) -> None:
        data = serializer.validated_data
        if data.get("logo") is not None:
            raise exceptions.ValidationError(
                {"logo": "Add the logo once the workspace exists (PATCH its settings)."}
            )
        try:
            serializer.instance = services.workspace_create(
                user=_user(self.request),
                name=data["name"],
                slug=data.get("slug", ""),
                country=str(data["country"]),
                base_currency=data["base_currency"],
                timezone_name=data.get("timezone", "UTC"),
                invoice_prefix=data.get("invoice_prefix", "INV-"),
                payment_terms_days=data.get("payment_terms_days", 30),
            )
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        # The response's `role`: what workspaces_for_user annotates on listed workspaces.
        serializer.instance.my_role = "owner"  # type: ignore[attr-defined]

    def perform_update(self, serializer: BaseSerializer[Workspace]) -> None:
        workspace = serializer.instance
        assert workspace is not None  # an update: DRF fetched it
        data = serializer.validated_data
        sent = cast(dict[str, Any], self.request.data)
        if sent.get("slug", workspace.slug) != workspace.slug:
            raise exceptions.ValidationError({"slug": "The address cannot be changed."})
        try:
            services.workspace_update(
                workspace=workspace,
                actor=_user(self.request),
                name=data.get("name"),
                country=str(data["country"]) if "country" in data else None,
                base_currency=data.get("base_currency"),
                timezone_name=data.get("timezone"),
                invoice_prefix=data.get("invoice_prefix"),
                payment_terms_days=data.get("payment_terms_days"),
                payment_instructions=data.get("payment_instructions"),
                # Absent: unchanged; null: removed (the service's False).
                logo=(data["logo"] or False) if "logo" in data else None,
            )
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc


@extend_schema(tags=["workspaces"])
class MembershipViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    WorkspaceViewSet,
):
    """Who belongs to the workspace. Owners and admins change roles and remove members;
    anyone may DELETE their own membership to leave (the last owner may not)."""

    model = Membership
    serializer_class = s.MembershipSerializer
    required_role = "manage"
    http_method_names = ["get", "patch", "delete", "head", "options"]
    ordering_fields = ["created_at", "role"]
    filterset_fields = ["role"]

    def check_permissions(self, request: Request) -> None:
        # Leaving needs no rights, as in `services.membership_remove`, which still decides
        # whether this member may go (the last owner may not). IsTenantMember reads the
        # role off the view, so it is set per request before the check runs.
        self.required_role = "read" if self._is_leaving(request) else "manage"
        super().check_permissions(request)

    def _is_leaving(self, request: Request) -> bool:
        if self.action != "destroy":
            return False
        own = membership_for(request.user, getattr(request, "tenant", None))
        return own is not None and str(own.pk) == str(self.kwargs.get(self.lookup_field))

    def get_queryset(self) -> QuerySet[Membership]:
        return super().get_queryset().select_related("user")

    def perform_update(self, serializer: BaseSerializer[Membership]) -> None:
        membership = serializer.instance
        assert membership is not None  # an update: DRF fetched it
        try:
            serializer.instance = services.membership_update_role(
                membership=membership,
                actor=_user(self.request),
                role=serializer.validated_data.get("role", membership.role),
            )
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc

    def perform_destroy(self, instance: Membership) -> None:
        try:
            services.membership_remove(membership=instance, actor=_user(self.request))
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc


@extend_schema(tags=["workspaces"])
class InvitationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    WorkspaceViewSet,
):
    """Invitations by email. POST sends (or re-sends) one; DELETE withdraws it."""

    model = Invitation
    serializer_class = s.InvitationSerializer
    required_role = "manage"
    filterset_fields = ["status"]

    def get_queryset(self) -> QuerySet[Invitation]:
        return super().get_queryset().select_related("invited_by")

    def perform_create(self, serializer: BaseSerializer[Invitation]) -> None:
        try:
            serializer.instance = services.invitation_create(
                workspace=self.request.workspace,
                actor=_user(self.request),
                email=serializer.validated_data["email"],
                role=serializer.validated_data["role"],
            )
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc

    def perform_destroy(self, instance: Invitation) -> None:
        services.invitation_revoke(invitation=instance, actor=_user(self.request))
