"""A provider's delivery to an instance's ingress URL: verified, deduplicated, published.

Everything happens in one transaction, committed before the provider gets its
answer: the receipt of the delivery id and the events in the outbox. A crash
before the commit makes the provider retry (and the retry is new to us); after
it, a retry finds the receipt and is answered 2xx without a second event.
A disabled instance's deliveries are acknowledged and dropped: events that
happen while a trigger is disabled are never delivered, then or later.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from valetkey.core.errors import NotFound
from valetkey.triggers import providers
from valetkey.triggers.endpoints import data_of
from valetkey.triggers.events import emit
from valetkey.triggers.instances import secret_of, trigger_not_found
from valetkey.triggers.models import IngressReceipt, TriggerInstance, WebhookEndpoint
from valetkey.triggers.providers.base import IngressRequest
from valetkey.triggers.state import TriggersState


def ingest(state: TriggersState, toolkit: str, trigger_id: str, request: IngressRequest) -> dict[str, Any]:
    """Handle one delivery (a blocking call: run it in a thread); the answer for the provider."""
    provider = providers.webhook_provider(toolkit)
    if provider is None:
        raise NotFound(f"No webhook ingress for {toolkit!r}", slug="IngressNotFound")
    try:
        with state.db.write_session() as db:
            instance = db.get(
                TriggerInstance, trigger_id, with_for_update=not state.db.url.startswith("sqlite")
            )
            if instance is None or instance.toolkit_slug != toolkit or instance.kind != "webhook":
                raise trigger_not_found(trigger_id)
            provider.verify(request, secret_of(state.vault, instance))
            trigger, _, _ = state.catalog.trigger_type(instance.trigger_slug, instance.version)
            parsed = provider.parse(request, trigger, dict(instance.config))
            if parsed.delivery_id:
                key = parsed.delivery_id[:200]
                if db.get(IngressReceipt, (instance.id, key)) is not None:
                    return {**parsed.reply, "duplicate": True, "delivered": 0}
                db.add(IngressReceipt(trigger_id=instance.id, delivery_id=key))
                db.flush()
            published = emit(db, instance, parsed.events)
            answer = {**parsed.reply, "delivered": len(published)}
            if instance.status != "enabled":
                answer["disabled"] = True
            return answer
    except IntegrityError:  # the same delivery id, committed by a concurrent request first
        return {"ok": True, "duplicate": True, "delivered": 0}


def ingest_app(
    state: TriggersState, toolkit: str, endpoint_id: str, request: IngressRequest
) -> dict[str, Any]:
    """An app-level delivery (Slack's Events API) to a webhook endpoint, fanned out to the project's
    matching triggers (a blocking call: run it in a thread)."""
    if toolkit != "slack":
        raise NotFound(f"No app-level ingress for {toolkit!r}", slug="IngressNotFound")
    provider = providers.SLACK
    try:
        with state.db.write_session() as db:
            endpoint = db.get(WebhookEndpoint, endpoint_id)
            if endpoint is None or endpoint.toolkit_slug != toolkit:
                raise NotFound(f"Webhook endpoint {endpoint_id} not found", slug="WebhookEndpointNotFound")
            provider.verify(request, data_of(state.vault, endpoint).get("signing_secret", ""))
            app = provider.app_event(request)
            if not app.event:
                return app.reply
            delivered, duplicate = 0, False
            candidates = db.scalars(
                select(TriggerInstance).where(
                    TriggerInstance.project_id == endpoint.project_id,
                    TriggerInstance.toolkit_slug == toolkit,
                    TriggerInstance.kind == "webhook",
                )
            ).all()
            for instance in candidates:
                trigger, _, _ = state.catalog.trigger_type(instance.trigger_slug, instance.version)
                data = provider.match(trigger, dict(instance.config), dict(instance.provider_state), app)
                if data is None:
                    continue
                if app.event_id:
                    if db.get(IngressReceipt, (instance.id, app.event_id)) is not None:
                        duplicate = True
                        continue
                    db.add(IngressReceipt(trigger_id=instance.id, delivery_id=app.event_id[:200]))
                    db.flush()
                delivered += len(emit(db, instance, [data]))
            return {**app.reply, "delivered": delivered, **({"duplicate": True} if duplicate else {})}
    except IntegrityError:
        return {"ok": True, "duplicate": True, "delivered": 0}
