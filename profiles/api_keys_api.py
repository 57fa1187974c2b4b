"""A profile's API keys, under /api/v1/profiles/{id}/api-keys/: user-scoped like the profile
(another user's profile answers 404), and reachable with the user's own credentials only (the
middleware refuses an API key here with 403, so a key cannot mint or list keys)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from profiles import selectors, services
from profiles.models import APIKeyScope, Profile, ProfileAPIKey
from profiles.tenancy import profile_scope

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class APIKeySerializer(serializers.ModelSerializer):
    created_at = serializers.DateTimeField(source="created", read_only=True)
    expires_at = serializers.DateTimeField(source="expiry_date", read_only=True, allow_null=True)
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=APIKeyScope.choices), read_only=True)

    class Meta:
        model = ProfileAPIKey
        fields = ["id", "name", "prefix", "scopes", "created_at", "expires_at", "last_used_at"]
        read_only_fields = fields


class APIKeyCreatedSerializer(APIKeySerializer):
    key = serializers.CharField(read_only=True, help_text="shown this once: only its hash is kept")

    class Meta(APIKeySerializer.Meta):
        fields = ["id", "name", "prefix", "key", "scopes", "created_at", "expires_at"]
        read_only_fields = fields


class APIKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=APIKeyScope.choices), min_length=1, max_length=2, required=False,
        help_text='["read"] or ["read", "write"] (the default); write includes read',
    )  # fmt: skip
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


def _profile(request: Request, pk: UUID) -> Profile:
    profile = selectors.profile_get(user=cast("User", request.user), pk=pk)  # IsAuthenticated
    if profile is None:
        raise NotFound("Profile not found.")
    return profile


class APIKeyListView(APIView):
    """List the profile's keys (never the keys themselves) or create one (shown once)."""

    @extend_schema(responses=APIKeySerializer(many=True))
    def get(self, request: Request, pk: UUID) -> Response:
        with profile_scope(_profile(request, pk)):
            return Response(APIKeySerializer(selectors.api_key_list(), many=True).data)

    @extend_schema(request=APIKeyCreateSerializer, responses={201: APIKeyCreatedSerializer})
    def post(self, request: Request, pk: UUID) -> Response:
        with profile_scope(_profile(request, pk)):
            data = APIKeyCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            key, raw = services.api_key_create(**data.validated_data)
            body: dict[str, Any] = dict(APIKeyCreatedSerializer(key).data)
            body["key"] = raw
            return Response(body, status=status.HTTP_201_CREATED)


class APIKeyDetailView(APIView):
    """Revoke a key: it stops working at once."""

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, pk: UUID, key_id: UUID) -> Response:
        with profile_scope(_profile(request, pk)):
            key = selectors.api_key_list().filter(pk=key_id).first()
            if key is None:
                raise NotFound("API key not found.")
            services.api_key_revoke(key=key)
        return Response(status=status.HTTP_204_NO_CONTENT)
