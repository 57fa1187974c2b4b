"""/api/v1/webhooks/: a profile's endpoints, their secrets (shown once), test pings, and the
log of deliveries with replay. Another profile's webhook or delivery answers 404."""

from __future__ import annotations

from typing import cast

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from profiles.api import ProfileScopedViewSet
from webhooks import selectors, services
from webhooks.models import Webhook, WebhookDelivery
from webhooks.serializers import (
    DeliverySerializer,
    WebhookInputSerializer,
    WebhookSerializer,
    WebhookWithSecretSerializer,
)


class WebhookViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ProfileScopedViewSet):
    """Endpoints that receive the profile's events (job.succeeded, clip.rendered...), each POST
    signed per Standard Webhooks with the endpoint's secret."""

    model = Webhook
    serializer_class = WebhookSerializer

    def scoped_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.order_by("-created_at")

    @extend_schema(request=WebhookInputSerializer, responses={201: WebhookWithSecretSerializer})
    def create(self, request: Request) -> Response:
        form = WebhookInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        webhook, secret = services.webhook_create(**form.validated_data)
        return Response(_with_secret(webhook, secret), status=status.HTTP_201_CREATED)

    @extend_schema(request=WebhookInputSerializer, responses=WebhookSerializer)
    def update(self, request: Request, pk: str | None = None) -> Response:
        form = WebhookInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return Response(
            WebhookSerializer(services.webhook_update(webhook=self.get_object(), data=form.validated_data)).data
        )

    @extend_schema(request=WebhookInputSerializer(partial=True), responses=WebhookSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        form = WebhookInputSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        return Response(
            WebhookSerializer(services.webhook_update(webhook=self.get_object(), data=form.validated_data)).data
        )

    def perform_destroy(self, instance: Webhook) -> None:
        services.webhook_delete(webhook=instance)

    @extend_schema(request=None, responses=WebhookWithSecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str | None = None) -> Response:
        webhook, secret = services.webhook_secret_rotate(webhook=self.get_object())
        return Response(_with_secret(webhook, secret))

    @extend_schema(request=None, responses={202: DeliverySerializer})
    @action(detail=True, methods=["post"])
    def ping(self, request: Request, pk: str | None = None) -> Response:
        delivery = services.webhook_ping(webhook=self.get_object())
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


def _with_secret(webhook: Webhook, secret: str) -> dict[str, object]:
    body = dict(WebhookWithSecretSerializer(webhook).data)
    body["secret"] = secret
    return body


class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ProfileScopedViewSet):
    """The deliveries of one webhook, newest first: status, attempts, the receiver's answer
    (code, first 1000 bytes), duration, and every attempt in `log`."""

    model = WebhookDelivery
    serializer_class = DeliverySerializer

    def _webhook(self) -> Webhook:
        webhook = selectors.webhook_get(pk=self.kwargs["webhook_pk"])
        if webhook is None:
            raise NotFound("Webhook not found.")
        return webhook

    def scoped_queryset(self, queryset: QuerySet) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return queryset
        return queryset.filter(webhook=self._webhook()).select_related("event").order_by("-created_at")

    @extend_schema(request=None, responses={202: DeliverySerializer})
    @action(detail=True, methods=["post"])
    def replay(self, request: Request, webhook_pk: str | None = None, pk: str | None = None) -> Response:
        delivery = cast(WebhookDelivery, self.get_object())
        again = services.webhook_delivery_replay(delivery=delivery)
        return Response(DeliverySerializer(again).data, status=status.HTTP_202_ACCEPTED)
