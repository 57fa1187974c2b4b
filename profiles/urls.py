from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from profiles import api, api_keys_api, auth_api

router = SimpleRouter()
router.register("profiles", api.ProfileViewSet, basename="profile")

auth_urlpatterns = [
    path("register/", auth_api.RegisterView.as_view(), name="auth-register"),
    path("token/", auth_api.TokenView.as_view(), name="auth-token"),
    path("token/refresh/", auth_api.RefreshView.as_view(), name="auth-token-refresh"),
    path("logout/", auth_api.LogoutView.as_view(), name="auth-logout"),
    path("me/", auth_api.MeView.as_view(), name="auth-me"),
]

urlpatterns = [
    path("profiles/<uuid:pk>/api-keys/", api_keys_api.APIKeyListView.as_view(), name="profile-api-key-list"),
    path(
        "profiles/<uuid:pk>/api-keys/<uuid:key_id>/",
        api_keys_api.APIKeyDetailView.as_view(),
        name="profile-api-key-detail",
    ),
    *router.urls,
]
