from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from library import selectors
from library.models import Job, Project, ProjectStatus, Segment, SourceVideo
from library.serializers import JobSerializer
from library.services import projects as project_services
from library.services import reframe
from profiles.api import ProfileScopedViewSet, ScopedRelatedField

LAYOUTS = list(reframe.LAYOUTS)


class ProjectSerializer(serializers.ModelSerializer):
    segments = serializers.SerializerMethodField(help_text="assigned segment ids, in order")
    clip_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Project
        fields = [
            "id", "name", "description", "target_duration", "context_text", "status", "status_reason",
            "source_video", "segments", "clip_count", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "status_reason", "source_video", "created_at", "updated_at"]
        extra_kwargs = {"target_duration": {"min_value": 2, "max_value": 180}}
        validators: list[Any] = []  # uniqueness is checked once, by the service's full_clean

    def get_segments(self, obj: Project) -> list[str]:
        return [str(a.segment_id) for a in obj.assignments.all()]

    def validate_status(self, value: str) -> str:
        # Users may archive or un-archive; the other states belong to generation.
        if value not in (ProjectStatus.ARCHIVED, ProjectStatus.DRAFT, getattr(self.instance, "status", None)):
            raise serializers.ValidationError("Only 'archived' or 'draft' can be set by hand.")
        return value


class AssignSegmentsSerializer(serializers.Serializer):
    segments = ScopedRelatedField(Segment, many=True, allow_empty=True)
    append = serializers.BooleanField(default=False)


class GenerateSerializer(serializers.Serializer):
    source_video = ScopedRelatedField(SourceVideo)
    variant_count = serializers.IntegerField(min_value=1, max_value=10)
    target_duration = serializers.FloatField(min_value=2, max_value=180, required=False)
    layout = serializers.ChoiceField(choices=LAYOUTS, default="pad")
    provider = serializers.ChoiceField(choices=["local", "gemini"], required=False)
    tighten = serializers.BooleanField(
        default=False, help_text="cut pauses between words (EDITAI_TIGHTEN_PAUSE) and filler words out of the pieces"
    )


class GenerateFromSegmentsSerializer(serializers.Serializer):
    variant_count = serializers.IntegerField(min_value=1, max_value=10)
    selection_mode = serializers.ChoiceField(choices=["random", "sequential", "weighted"])
    target_duration = serializers.FloatField(min_value=2, max_value=180, required=False)
    layout = serializers.ChoiceField(choices=LAYOUTS, default="pad")
    seed = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)


class ProgressSerializer(serializers.Serializer):
    status = serializers.CharField()
    progress = serializers.IntegerField()
    job = JobSerializer(allow_null=True)


class ProjectViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ProfileScopedViewSet,
):
    model = Project
    serializer_class = ProjectSerializer
    filterset_fields = ["status"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self, queryset: QuerySet) -> QuerySet:
        return selectors.project_list(queryset=queryset)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k != "status"}
        project = project_services.project_create(**data)
        serializer.instance = self.get_queryset().get(pk=project.pk)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        instance = cast(Project, serializer.instance)  # an update always has its instance
        project = project_services.project_update(project=instance, data=serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=project.pk)

    def _job_response(self, job: Job) -> Response:
        return Response(JobSerializer(job, context=self.get_serializer_context()).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=AssignSegmentsSerializer, responses=ProjectSerializer)
    @action(detail=True, methods=["post"], url_path="assign-segments")
    def assign_segments(self, request: Request, pk: str | None = None) -> Response:
        project = self.get_object()
        form = AssignSegmentsSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        project_services.project_assign_segments(
            project=project, segments=form.validated_data["segments"], append=form.validated_data["append"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=project.pk)).data)

    @extend_schema(request=GenerateSerializer, responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def generate(self, request: Request, pk: str | None = None) -> Response:
        project = self.get_object()
        form = GenerateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        job = project_services.project_generate(project=project, **form.validated_data)
        return self._job_response(job)

    @extend_schema(request=GenerateFromSegmentsSerializer, responses={202: JobSerializer})
    @action(detail=True, methods=["post"], url_path="generate-from-segments")
    def generate_from_segments(self, request: Request, pk: str | None = None) -> Response:
        project = self.get_object()
        form = GenerateFromSegmentsSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._job_response(
            project_services.project_generate_from_segments(project=project, **form.validated_data)
        )

    @extend_schema(responses=ProgressSerializer)
    @action(detail=True, methods=["get"])
    def progress(self, request: Request, pk: str | None = None) -> Response:
        project = self.get_object()
        job = selectors.project_progress_job(project=project)
        progress = job.progress if job else (100 if project.status == ProjectStatus.READY else 0)
        body = {"status": project.status, "progress": progress, "job": job}
        return Response(ProgressSerializer(body, context=self.get_serializer_context()).data)
