"""Bench-only routes: the product's URLconf plus /bench/plain/jobs/, the jobs list written
WITHOUT the tenancy machinery (no ProfileMiddleware scope, no scoped manager, no scoped viewset
base): the profile is resolved and the rows filtered by hand. Everything else is the same as
GET /api/v1/jobs/ (JWT, the same filterset, ordering, pagination and serializer), so the
difference between the two is what tenancy costs. Never installed outside the benchmark."""

from __future__ import annotations

import uuid

from django.urls import path
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication

from editai.urls import handler404, handler500  # noqa: F401
from editai.urls import urlpatterns as product_urlpatterns
from library.api.jobs import JobFilter
from library.models import Job
from library.serializers import JobSerializer
from profiles.models import Profile


class PlainJobList(APIView):
    authentication_classes = [JWTAuthentication]

    def get(self, request: Request) -> Response:
        try:
            profile = Profile.objects.filter(pk=uuid.UUID(request.headers.get("X-Profile-Id", ""))).first()
        except ValueError:
            profile = None
        if profile is None:
            raise NotFound("Profile not found")
        if profile.user_id != request.user.pk:
            raise PermissionDenied("Access denied to this profile")
        rows = JobFilter(request.query_params, queryset=Job.all_objects.filter(profile=profile)).qs
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(JobSerializer(page, many=True, context={"request": request}).data)


urlpatterns = [path("bench/plain/jobs/", PlainJobList.as_view(), name="bench-plain-jobs"), *product_urlpatterns]
