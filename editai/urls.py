from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularSwaggerView

from editai import api, dashboard
from editai.oneclick.api import OneClickView
from library.urls import brand_kit_urlpatterns, jobs_urlpatterns, library_urlpatterns, tts_urlpatterns
from profiles.login_guard import login_guarded
from profiles.urls import auth_urlpatterns
from profiles.urls import urlpatterns as profile_urlpatterns
from publishing.api import ClipAnalyticsViewSet

api_v1 = [
    path("", api.ApiRootView.as_view(), name="api-root"),
    path("health/", api.HealthView.as_view(), name="health"),
    path("providers/status/", api.ProvidersStatusView.as_view(), name="providers-status"),
    path("auth/", include(auth_urlpatterns)),
    path("profiles/<uuid:pk>/dashboard/", dashboard.ProfileDashboardView.as_view(), name="profile-dashboard"),
    *profile_urlpatterns,
    path("costs/", include("costs.urls")),
    # One-click composes the library and publishing; its URL stays under /library/.
    path("library/one-click/", OneClickView.as_view(), name="one-click"),
    # A clip's statistics come from publishing, which sits above the library: routed here too.
    path(
        "library/clips/<uuid:pk>/analytics/",
        ClipAnalyticsViewSet.as_view({"get": "retrieve"}),
        name="clip-analytics",
    ),
    path("library/", include(library_urlpatterns)),
    *jobs_urlpatterns,
    path("tts/", include(tts_urlpatterns)),
    path("brand-kit/", include(brand_kit_urlpatterns)),
    path("publishing/", include("publishing.urls")),
    path("tools/", include("library.tools_urls")),
    path("", include("webhooks.urls")),
]

urlpatterns = [
    path("", RedirectView.as_view(url="/api/v1/", permanent=False), name="home"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", api.SchemaView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    # The two session login forms, ahead of their apps' own routes: a locked login gets a 429.
    path(
        "api-auth/login/",
        login_guarded(LoginView.as_view(template_name="rest_framework/login.html")),
        name="api-auth-login",
    ),
    path("api-auth/", include("rest_framework.urls")),
    path("admin/login/", login_guarded(admin.site.login), name="admin-login"),
    path("admin/", admin.site.urls),
]

handler404 = "editai.exceptions.json_404"
handler500 = "editai.exceptions.json_500"
