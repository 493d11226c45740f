"""The webhooks page's reads: the endpoints with how their deliveries went, one endpoint's
deliveries with every attempt."""

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from projects.models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEndpoint

DELIVERIES_PAGE = 50


def endpoints_list() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.annotate(
        delivered=Count("deliveries", filter=Q(deliveries__state=DeliveryState.DELIVERED)),
        pending=Count("deliveries", filter=Q(deliveries__state=DeliveryState.PENDING)),
        failed=Count("deliveries", filter=Q(deliveries__state=DeliveryState.FAILED)),
        last_delivery_at=Max("deliveries__created_at"),
    )


def endpoint_get(*, pk: int) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint, pk=pk)


def deliveries_of(endpoint: WebhookEndpoint, *, state: str = "") -> QuerySet[WebhookDelivery]:
    """Newest first, each with its attempts (two queries a page, however many rows)."""
    deliveries = endpoint.deliveries.select_related("replay_of", "replayed_by").prefetch_related(
        Prefetch("tries", queryset=WebhookAttempt.objects.order_by("number"))
    )
    if state in DeliveryState.values:
        deliveries = deliveries.filter(state=state)
    return deliveries


def delivery_get(*, endpoint: WebhookEndpoint, pk: int) -> WebhookDelivery:
    return get_object_or_404(endpoint.deliveries.select_related("endpoint"), pk=pk)
