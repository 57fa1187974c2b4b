from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from profiles.middleware import is_profile_exempt
from profiles.tenancy import unscoped

if TYPE_CHECKING:
    from rest_framework.request import Request

PROFILE_HEADER = OpenApiParameter(
    name="X-Profile-Id",
    type=OpenApiTypes.UUID,
    location=OpenApiParameter.HEADER,
    required=False,
    description="The store (profile) to act as. The user's default profile when omitted. "
    "Unknown or malformed: 404; another user's: 403.",
)


class EditAIAutoSchema(AutoSchema):
    """Documents X-Profile-Id on every operation the ProfileMiddleware scopes."""

    def get_override_parameters(self) -> list[Any]:
        params = list(super().get_override_parameters())
        if not is_profile_exempt(self.path):
            params.append(PROFILE_HEADER)
        return params

    def get_auth(self) -> list[Any]:
        # API keys reach only the profile-scoped routes (the middleware refuses them elsewhere).
        auths = list(super().get_auth())
        if is_profile_exempt(self.path):
            auths = [a for a in auths if a != {APIKeyScheme.name: []}]
        return auths


class MiddlewareJWTScheme(SimpleJWTScheme):
    """Documents our JWT authentication (simplejwt's, decoded once by the middleware) as the
    bearer scheme: without it the schema said the API needs no authentication at all."""

    target_class = "profiles.authentication.MiddlewareJWTAuthentication"
    name = "jwtAuth"


class EditAISchemaGenerator(SchemaGenerator):
    """Generation inspects every scoped model's default manager (for filters) and reads no rows,
    so it runs unscoped, wherever it runs: the schema view, `manage.py spectacular`, and
    drf-spectacular's own `check --deploy` check, which otherwise died on ScopeError."""

    def get_schema(self, request: Request | None = None, public: bool = False) -> dict[str, Any]:
        with unscoped():
            return super().get_schema(request=request, public=public)


class APIKeyScheme(OpenApiAuthenticationExtension):
    """`Authorization: Api-Key <prefix>.<secret>`: a key of one profile (profile-scoped routes)."""

    target_class = "profiles.authentication.MiddlewareAPIKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`: a key made at /api/v1/profiles/{id}/api-keys/, bound to that profile.",
        }
