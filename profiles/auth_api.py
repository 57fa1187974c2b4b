"""Authentication endpoints under /api/v1/auth/."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from profiles import selectors, services
from profiles.login_guard import RegisterThrottle, RegistrationOpen, login_locked_error, login_wait
from profiles.serializers import (
    LogoutInputSerializer,
    MeSerializer,
    RegisterInputSerializer,
    RegisterOutputSerializer,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class _AuthThrottled:
    throttle_classes: Sequence[type[BaseThrottle]] = [ScopedRateThrottle]
    throttle_scope = "auth"


class RegisterView(APIView):
    """Open by default; EDITAI_REGISTRATION=closed answers 403. Throttled per client address
    (EDITAI_THROTTLE_REGISTER) on top of the auth throttle."""

    permission_classes = [RegistrationOpen]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle, RegisterThrottle]
    throttle_scope = "auth"

    @extend_schema(request=RegisterInputSerializer, responses={201: RegisterOutputSerializer})
    def post(self, request: Request) -> Response:
        data = RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(**data.validated_data)
        user.default_profile = selectors.profile_default_get(user=user)
        return Response(RegisterOutputSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenView(_AuthThrottled, TokenObtainPairView):
    """Exchange `{username, password}` for `{access, refresh}`. After EDITAI_LOGIN_FAILURES failed
    logins of an account or from an address, 429 until EDITAI_LOGIN_WINDOW has passed."""

    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        username = request.data.get("username") if isinstance(request.data, dict) else None
        if isinstance(username, str):
            wait = login_wait(request=request, username=username)
            if wait is not None:
                raise login_locked_error(wait)
        return super().post(request, *args, **kwargs)


class RefreshView(_AuthThrottled, TokenRefreshView):
    """Exchange a refresh token for a new pair; the old refresh token is blacklisted."""


class LogoutView(APIView):
    """Blacklist a refresh token, so it can no longer be refreshed."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get_authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'  # a bad refresh token is a 401, as on token/refresh/

    @extend_schema(request=LogoutInputSerializer, responses={204: None})
    def post(self, request: Request) -> Response:
        data = LogoutInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            RefreshToken(data.validated_data["refresh"]).blacklist()
        except TokenError as exc:
            raise InvalidToken(str(exc)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user = selectors.user_with_profiles_get(user_id=cast("User", request.user).pk)  # IsAuthenticated
        return Response(MeSerializer(user).data)
