from __future__ import annotations

from rest_framework.routers import SimpleRouter

from webhooks import api

UUID = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"

router = SimpleRouter()
router.register("webhooks", api.WebhookViewSet, basename="webhook")
router.register(rf"webhooks/(?P<webhook_pk>{UUID})/deliveries", api.DeliveryViewSet, basename="webhook-delivery")

urlpatterns = router.urls
