from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from library.models import Clip, Job
from library.serializers import JobSerializer
from profiles.api import ProfileScopedViewSet, ScopedRelatedField
from profiles.tenancy import scoped_profile
from publishing.models import Publication, PublicationStatus, PublicationType
from publishing.postiz import PostizError
from publishing.services import postiz, publications, submit


class PublicationSerializer(serializers.ModelSerializer):
    # "" until published: a plain string in the schema (a URLField documents format "uri").
    release_url = serializers.CharField(read_only=True)

    class Meta:
        model = Publication
        fields = [
            "id", "clip", "job", "integration_id", "integration_identifier", "integration_name", "caption", "type",
            "scheduled_at", "settings", "status", "group", "postiz_post_id", "release_url", "error", "attempts",
            "created_at", "submitted_at", "published_at",
        ]  # fmt: skip
        read_only_fields = fields


class PublicationCreateSerializer(serializers.Serializer):
    clip = ScopedRelatedField(Clip)
    integration_ids = serializers.ListField(child=serializers.CharField(max_length=100), min_length=1, max_length=20)
    caption = serializers.CharField(max_length=5000, allow_blank=True, default="")
    type = serializers.ChoiceField(choices=PublicationType.choices, default=PublicationType.NOW)
    scheduled_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    settings = serializers.DictField(required=False, help_text="per provider (or integration id): overrides")


class BulkSerializer(serializers.Serializer):
    clips = ScopedRelatedField(Clip, many=True, allow_empty=False)
    integration_ids = serializers.ListField(child=serializers.CharField(max_length=100), min_length=1, max_length=20)
    caption = serializers.CharField(max_length=5000, allow_blank=True, default="")
    start_at = serializers.DateTimeField()
    interval_minutes = serializers.IntegerField(min_value=0, max_value=60 * 24 * 30)
    settings = serializers.DictField(required=False)

    def validate_clips(self, value: list) -> list:
        if len(value) > 100:
            raise serializers.ValidationError("At most 100 clips per bulk request.")
        return list(dict.fromkeys(value))


class IntegrationSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    identifier = serializers.CharField()
    picture = serializers.CharField(allow_null=True)
    disabled = serializers.BooleanField()
    profile = serializers.CharField(allow_null=True)


class PublicationFilter(django_filters.FilterSet):
    clip = django_filters.UUIDFilter()
    status = django_filters.ChoiceFilter(choices=PublicationStatus.choices)
    group = django_filters.CharFilter()
    integration_identifier = django_filters.CharFilter()

    class Meta:
        model = Publication
        fields = ["clip", "status", "group", "integration_identifier"]


def _job(job: Job, request: Request) -> Response:
    return Response(JobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


class PublicationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ProfileScopedViewSet
):
    """A clip on one social account. Create queues a publish job (one Postiz post for all the
    integrations given); delete cancels (and deletes the post's group in Postiz)."""

    model = Publication
    serializer_class = PublicationSerializer
    filterset_class = PublicationFilter

    @extend_schema(request=PublicationCreateSerializer, responses={202: JobSerializer})
    def create(self, request: Request) -> Response:
        form = PublicationCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return _job(publications.publication_create(**form.validated_data), request)

    def destroy(self, request: Request, pk: str | None = None) -> Response:
        publications.publication_cancel(publication=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class BulkView(APIView):
    """Clip i of `clips` is scheduled at start_at + i × interval_minutes on every integration."""

    @extend_schema(request=BulkSerializer, responses={202: JobSerializer})
    def post(self, request: Request) -> Response:
        form = BulkSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return _job(publications.publications_bulk(**form.validated_data), request)


class StatusView(APIView):
    @extend_schema(responses=dict)
    def get(self, request: Request) -> Response:
        return Response(postiz.status(scoped_profile()))


class IntegrationsView(APIView):
    @extend_schema(responses=IntegrationSerializer(many=True))
    def get(self, request: Request) -> Response:
        refresh = request.query_params.get("refresh", "").lower() in ("1", "true", "yes")
        found = postiz.integrations(scoped_profile(), refresh=refresh)
        return Response(IntegrationSerializer(found, many=True).data)


class SyncView(APIView):
    """Ask Postiz now for the state of the profile's submitted publications."""

    @extend_schema(request=None, responses=dict)
    def post(self, request: Request) -> Response:
        profile = scoped_profile()
        try:
            with postiz.client_for(profile) as client:
                counts = submit.reconcile(client=client)
        except PostizError as exc:
            raise postiz.as_api_error(profile, exc) from None
        return Response(counts)
