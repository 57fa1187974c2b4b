from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from library.models import Clip, Job
from library.serializers import JobSerializer
from profiles.api import ProfileScopedViewSet, ScopedRelatedField
from profiles.models import ProfileAPIKey
from profiles.tenancy import scoped_profile
from publishing import selectors
from publishing.models import Publication, PublicationStat, PublicationStatus, PublicationType
from publishing.postiz import PostizError
from publishing.serializers import PublicationSerializer
from publishing.services import analytics, postiz, publications, submit


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


class PublicationStatSerializer(serializers.ModelSerializer):
    class Meta:
        model = PublicationStat
        fields = ["date", "views", "likes", "comments", "shares", "metrics"]
        read_only_fields = fields


class AnalyticsTotalsSerializer(serializers.Serializer):
    views = serializers.IntegerField()
    likes = serializers.IntegerField()
    comments = serializers.IntegerField()
    shares = serializers.IntegerField()


class PublicationAnalyticsSerializer(serializers.Serializer):
    publication = serializers.UUIDField()
    checked_at = serializers.DateTimeField(allow_null=True, help_text="when Postiz was last asked")
    error = serializers.CharField(help_text='why there are no statistics, if so ("" otherwise)')
    totals = AnalyticsTotalsSerializer()
    days = PublicationStatSerializer(many=True)


class DayTotalsSerializer(AnalyticsTotalsSerializer):
    date = serializers.DateField()


class ClipAnalyticsSerializer(serializers.Serializer):
    clip = serializers.UUIDField()
    publications = serializers.IntegerField(help_text="its published posts")
    totals = AnalyticsTotalsSerializer(help_text="summed over all its publications")
    days = DayTotalsSerializer(many=True, help_text="each day summed over its publications")
    cost_usd = serializers.DecimalField(
        max_digits=14, decimal_places=6, coerce_to_string=True,
        help_text="its share of the jobs that made it: each job's costs split evenly among its clips",
    )  # fmt: skip
    cost_per_1000_views_usd = serializers.DecimalField(
        max_digits=14, decimal_places=4, coerce_to_string=True, allow_null=True, help_text="None without views"
    )


class ClipAnalyticsViewSet(ProfileScopedViewSet):
    """/library/clips/{id}/analytics/: it reads publishing's statistics, so it lives here (the
    library sits below publishing) and is routed under the clip's URL by editai/urls.py."""

    model = Clip

    @extend_schema(responses=ClipAnalyticsSerializer)
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        """Views, likes, comments and shares of a clip over all its publications, per day, and
        what 1,000 of its views cost."""
        return Response(ClipAnalyticsSerializer(selectors.clip_analytics(clip=self.get_object())).data)


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

    @extend_schema(
        parameters=[OpenApiParameter("refresh", bool, description="ask Postiz now (a published post only)")],
        responses=PublicationAnalyticsSerializer,
    )
    @action(detail=True, methods=["get"])
    def analytics(self, request: Request, pk: str | None = None) -> Response:
        """Views, likes, comments and shares of a published post per day, from Postiz (fetched
        every 6 hours; `?refresh=true` asks now)."""
        publication = self.get_object()
        refresh = request.query_params.get("refresh", "").lower() in ("1", "true", "yes")
        if refresh and isinstance(request.auth, ProfileAPIKey) and not request.auth.can_write:
            # A refresh calls Postiz with the profile's key and writes statistics: a write, through a GET.
            raise PermissionDenied("This API key is read-only: it cannot refresh statistics.", code="api_key_read_only")
        if refresh and publication.status == PublicationStatus.PUBLISHED and publication.postiz_post_id:
            profile = scoped_profile()
            try:
                with postiz.client_for(profile) as client:
                    analytics.publication_analytics_fetch(publication=publication, client=client)
            except PostizError as exc:
                if exc.status != 404:  # a missing route is reported in the answer, as `error`
                    raise postiz.as_api_error(profile, exc) from None
            publication.refresh_from_db()
        data = selectors.publication_analytics(publication=publication)
        return Response(PublicationAnalyticsSerializer(data).data)


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
