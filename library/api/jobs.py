from __future__ import annotations

import django_filters
from django.http.response import HttpResponseBase
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from library.api.streaming import serve_stored
from library.models import Job, JobStatus
from library.serializers import JobSerializer
from library.services import jobs as job_services
from profiles.api import ProfileScopedViewSet


class JobFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=JobStatus.choices)
    kind = django_filters.CharFilter()
    # A plain UUID filter: a model-choice filter would build a queryset at import, outside any scope.
    source_video = django_filters.UUIDFilter()
    parent = django_filters.UUIDFilter()  # a fan-out's parts

    class Meta:
        model = Job
        fields = ["status", "kind", "source_video", "parent"]


class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ProfileScopedViewSet):
    """Background jobs of the current profile. Long work answers 202 with a job; poll it here."""

    model = Job
    serializer_class = JobSerializer
    filterset_class = JobFilter

    @extend_schema(request=None, responses={200: JobSerializer, 409: OpenApiResponse(description="already finished")})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        job = job_services.job_cancel(job=self.get_object())
        return Response(self.get_serializer(job).data)

    @extend_schema(request=None, responses={202: JobSerializer, 409: OpenApiResponse(description="not failed")})
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str | None = None) -> Response:
        job = job_services.job_retry(job=self.get_object())
        return Response(self.get_serializer(job).data, status=202)

    # The type follows the output: a video, a voiceover, a zip of several, or anything else.
    @extend_schema(responses={(200, media): bytes for media in ("video/*", "audio/*", "application/zip",
                                                                  "application/octet-stream")})  # fmt: skip
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        job = self.get_object()
        if not job.output:
            raise NotFound("This job has no output (yet).")
        return serve_stored(request, job.output.name, filename=job.output_name or "output", attachment=True)
