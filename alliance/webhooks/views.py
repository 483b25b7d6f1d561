"""The pages of webhooks: a person's endpoints (on their profile), and for every party of an
alliance, which endpoints receive its events and who added them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from alliance.accounts.models import User
from alliance.alliances.decorators import party_required
from alliance.alliances.models import Party
from alliance.webhooks import selectors, services
from alliance.webhooks.forms import EndpointEditForm, EndpointNewForm, RedeliverForm
from alliance.webhooks.models import Endpoint

# Deliveries shown on an endpoint's page; the API pages through all of them.
DELIVERIES_SHOWN = 30


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _refusals(form: EndpointNewForm | EndpointEditForm, error: ValidationError) -> None:
    for field, texts in error.message_dict.items():
        name = {"url": "endpoint_url", "alliance_id": "alliance"}.get(field, field)
        for text in texts:
            form.add_error(name if name in form.fields else None, text)


@login_required
def webhook_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    designed = (
        Party.objects.filter(user=user).select_related("alliance").order_by("alliance__title")
    )
    alliances = [(p.alliance_id, p.alliance.title) for p in designed]
    form = EndpointNewForm(request.POST or None, alliances=alliances)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.endpoint_create(
                user=user,
                url=form.cleaned_data["endpoint_url"],
                events=form.cleaned_data["events"],
                alliance_id=form.cleaned_data["alliance"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            _refusals(form, error)
        else:
            messages.success(
                request, _("Webhook added. Copy its secret to verify what it receives.")
            )
            return redirect("webhook_detail", endpoint_id=endpoint.pk)
    return render(
        request,
        "webhooks/list.html",
        {"endpoints": list(selectors.endpoints_of(user)), "form": form},
    )


def _edit_form(endpoint: Endpoint, data: object = None) -> EndpointEditForm:
    return EndpointEditForm(
        data,  # type: ignore[arg-type]
        initial={
            "endpoint_url": endpoint.url,
            "description": endpoint.description,
            "events": endpoint.events,
            "active": endpoint.is_active,
        },
    )


@login_required
def webhook_detail(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    """The endpoint, its secret and its deliveries with each attempt; the form posts an
    `action`: save the changes, send a test event, or send a delivery again."""
    endpoint = selectors.endpoint_for(user=_user(request), endpoint_id=endpoint_id)
    form = _edit_form(endpoint)
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "test":
            delivery = services.endpoint_test(endpoint=endpoint)
            attempt = delivery.log.last()
            if delivery.state == "delivered":
                messages.success(request, _("The test event was delivered."))
            else:
                messages.error(
                    request,
                    _("The test event was not delivered: %(error)s")
                    % {"error": attempt.error if attempt else ""},
                )
            return redirect("webhook_detail", endpoint_id=endpoint.pk)
        if action == "redeliver":
            chosen = RedeliverForm(request.POST)
            if chosen.is_valid():
                delivery = selectors.delivery_for(
                    endpoint=endpoint, delivery_id=chosen.cleaned_data["delivery"]
                )
                try:
                    services.delivery_redeliver(delivery=delivery)
                except ValidationError as error:
                    messages.error(request, " ".join(error.messages))
                else:
                    messages.success(request, _("Queued again: it goes out within moments."))
            return redirect("webhook_detail", endpoint_id=endpoint.pk)
        form = _edit_form(endpoint, request.POST)
        if form.is_valid():
            try:
                services.endpoint_update(
                    endpoint=endpoint,
                    url=form.cleaned_data["endpoint_url"],
                    events=form.cleaned_data["events"],
                    description=form.cleaned_data["description"],
                    is_active=form.cleaned_data["active"],
                )
            except ValidationError as error:
                _refusals(form, error)
            else:
                messages.success(request, _("Webhook saved."))
                return redirect("webhook_detail", endpoint_id=endpoint.pk)
        endpoint.refresh_from_db()
    deliveries = list(selectors.deliveries_of(endpoint)[:DELIVERIES_SHOWN])
    return render(
        request,
        "webhooks/detail.html",
        {"endpoint": endpoint, "form": form, "deliveries": deliveries},
    )


@login_required
def webhook_delete(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    """Ask first, then delete the endpoint and its log."""
    endpoint = selectors.endpoint_for(user=_user(request), endpoint_id=endpoint_id)
    if request.method == "POST":
        services.endpoint_delete(endpoint=endpoint)
        messages.success(request, _("Webhook deleted: nothing more is sent to it."))
        return redirect("webhook_list")
    return render(request, "webhooks/delete.html", {"endpoint": endpoint})


@party_required
@require_GET
def alliance_webhooks(request: HttpRequest, party: Party) -> HttpResponse:
    endpoints = [
        (endpoint, services.url_shown(endpoint.url))
        for endpoint in selectors.alliance_endpoints(party.alliance_id)
    ]
    return render(
        request,
        "webhooks/alliance.html",
        {"alliance": party.alliance, "party": party, "endpoints": endpoints},
    )
