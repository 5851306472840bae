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

from sqlalchemy.exc import IntegrityError

from valetkey.core.errors import NotFound
from valetkey.triggers import providers
from valetkey.triggers.events import emit
from valetkey.triggers.instances import secret_of, trigger_not_found
from valetkey.triggers.models import IngressReceipt, TriggerInstance
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
