from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, mixins, permissions, status, viewsets
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.api import serializers as s
from accounts.api.base import WorkspaceViewSet
from accounts.models import ApiToken, Invitation, Membership
from core.api.errors import as_drf_error
from core.api.permissions import IsTenantMember


class TokenCreateView(APIView):
    """Exchange email + password (+ TOTP code when two-factor is on) for an API token."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth_token"

    @extend_schema(
        request=s.TokenRequestSerializer,
        responses={201: s.TokenCreatedSerializer},
        auth=[],
        tags=["auth"],
    )
    def post(self, request):
        serializer = s.TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, key = services.api_token_create(
            user=serializer.validated_data["user"], name=serializer.validated_data["name"]
        )
        body = {"token": key, "id": token.pk, "name": token.name, "created_at": token.created_at}
        return Response(s.TokenCreatedSerializer(body).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["auth"])
class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Your API tokens. DELETE revokes one (it stops working at once)."""

    serializer_class = s.ApiTokenSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=self.request.user)

    def perform_destroy(self, instance):
        services.api_token_revoke(token=instance)


@extend_schema(tags=["me"])
class MeView(generics.RetrieveUpdateAPIView):
    """The signed-in user and the workspaces they belong to."""

    serializer_class = s.MeSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user


@extend_schema(tags=["workspaces"])
class WorkspaceApiViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Workspaces you belong to. Creating one makes you its owner; owners and admins may
    change its settings."""

    serializer_class = s.WorkspaceSerializer
    lookup_field = "slug"
    lookup_url_kwarg = "workspace"
    http_method_names = ["get", "post", "patch", "head", "options"]

    # Settings change only for owners and admins (IsTenantMember reads this).
    required_role = "manage"

    def get_permissions(self):
        if "workspace" in self.kwargs:  # /workspaces/<slug>/: a member's, or 404
            return [permissions.IsAuthenticated(), IsTenantMember()]
        return super().get_permissions()

    def get_queryset(self):
        # Only the caller's own workspaces: anyone else's slug is a 404.
        return selectors.workspaces_for_user(user=self.request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        try:
            serializer.instance = services.workspace_create(
                user=self.request.user,
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
        serializer.instance.my_role = "owner"

    def perform_update(self, serializer):
        workspace = serializer.instance
        fields = dict(serializer.validated_data)
        if fields.pop("slug", workspace.slug) != workspace.slug:
            raise exceptions.ValidationError({"slug": "The address cannot be changed."})
        if "country" in fields:
            fields["country"] = str(fields["country"])
        try:
            services.workspace_update(workspace=workspace, actor=self.request.user, **fields)
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
    """Who belongs to the workspace. Owners and admins change roles and remove members."""

    model = Membership
    serializer_class = s.MembershipSerializer
    required_role = "manage"
    http_method_names = ["get", "patch", "delete", "head", "options"]
    ordering_fields = ["created_at", "role"]
    filterset_fields = ["role"]

    def get_queryset(self):
        return super().get_queryset().select_related("user")

    def perform_update(self, serializer):
        try:
            serializer.instance = services.membership_update_role(
                membership=serializer.instance,
                actor=self.request.user,
                role=serializer.validated_data.get("role", serializer.instance.role),
            )
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc

    def perform_destroy(self, instance):
        try:
            services.membership_remove(membership=instance, actor=self.request.user)
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

    def get_queryset(self):
        return super().get_queryset().select_related("invited_by")

    def perform_create(self, serializer):
        try:
            serializer.instance = services.invitation_create(
                workspace=self.request.workspace,
                actor=self.request.user,
                email=serializer.validated_data["email"],
                role=serializer.validated_data["role"],
            )
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc

    def perform_destroy(self, instance):
        services.invitation_revoke(invitation=instance, actor=self.request.user)
