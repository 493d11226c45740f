"""Webhooks (the PMO): the endpoints other systems receive events at, each one's deliveries
with every attempt, and **Replay**."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lifecycle.rules import require
from projects.forms.webhooks import WebhookEndpointForm
from projects.models import DeliveryState
from projects.selectors.webhooks import (
    DELIVERIES_PAGE,
    deliveries_of,
    delivery_get,
    endpoint_get,
    endpoints_list,
)
from projects.services import webhooks


def webhook_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "may_manage_webhooks")
    return render(request, "projects/webhooks/list.html", {"endpoints": endpoints_list()})


def webhook_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "may_manage_webhooks")
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = webhooks.endpoint_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Endpoint added: {endpoint.url}.")
            return redirect("projects:webhook", endpoint.pk)
    return render(request, "projects/webhooks/form.html", {"form": form, "endpoint": None})


def webhook_edit(request: HttpRequest, endpoint: int) -> HttpResponse:
    require(request.user, "may_manage_webhooks")
    record = endpoint_get(pk=endpoint)
    initial = webhooks.endpoint_snapshot(record)
    form = WebhookEndpointForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            webhooks.endpoint_update(endpoint=record, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Endpoint saved.")
            return redirect("projects:webhook", record.pk)
    return render(request, "projects/webhooks/form.html", {"form": form, "endpoint": record})


def webhook_detail(request: HttpRequest, endpoint: int) -> HttpResponse:
    """The endpoint, its secret on request, and its deliveries, newest first, 50 a page."""
    require(request.user, "may_manage_webhooks")
    record = endpoint_get(pk=endpoint)
    state = request.GET.get("state", "")
    deliveries = deliveries_of(record, state=state)
    page = Paginator(deliveries, DELIVERIES_PAGE).get_page(request.GET.get("page"))
    context = {"endpoint": record, "page": page, "state": state, "states": DeliveryState}
    return render(request, "projects/webhooks/detail.html", context)


@require_POST
def webhook_replay(request: HttpRequest, endpoint: int, delivery: int) -> HttpResponse:
    require(request.user, "may_manage_webhooks")
    record = delivery_get(endpoint=endpoint_get(pk=endpoint), pk=delivery)
    try:
        webhooks.delivery_replay(delivery=record, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The {record.event} event is on its way again.")
    return redirect("projects:webhook", endpoint)
