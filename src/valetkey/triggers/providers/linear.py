"""Linear: a webhook created through the GraphQL API, deliveries signed with ``Linear-Signature``.

`register` runs ``webhookCreate`` for the type's resource types (``Issue``,
``Comment``) on the configured team (``team_id``) or all public teams, with the
instance's own secret; `deregister` runs ``webhookDelete``. A delivery is
verified as Linear documents: ``Linear-Signature`` is the hex HMAC-SHA256 of the
raw body under that secret, and the body's ``webhookTimestamp`` (milliseconds)
must be within `TOLERANCE_SECONDS` (else a replay). ``Linear-Delivery`` is the
dedup key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from valetkey.catalog.model import TriggerType
from valetkey.core.errors import ValidationError
from valetkey.triggers.providers.base import (
    IngressRefused,
    IngressRequest,
    Parsed,
    ProviderError,
    Registered,
    Registration,
    upstream_problem,
)

TOLERANCE_SECONDS = 60
CREATE = "mutation($input: WebhookCreateInput!) { webhookCreate(input: $input) { success webhook { id enabled } } }"
DELETE = "mutation($id: String!) { webhookDelete(id: $id) { success } }"


async def _graphql(reg: Registration, query: str, variables: dict[str, Any], what: str) -> dict[str, Any]:
    outcome = await reg.call("POST", "/graphql", {"query": query, "variables": variables}, None)
    response = outcome.response
    if response is None or response.status != 200:
        raise upstream_problem(what, outcome)
    answer = json.loads(response.content)
    if answer.get("errors"):
        message = "; ".join(str(e.get("message", e)) for e in answer["errors"])
        raise ProviderError(f"{what}: Linear answered: {message}")
    data = answer.get("data") or {}
    return data if isinstance(data, dict) else {}


class Linear:
    async def register(self, registration: Registration) -> Registered:
        source, config = registration.trigger.source, registration.config
        webhook_input: dict[str, Any] = {
            "url": registration.ingress_url,
            "resourceTypes": list(source.get("resources", [])),
            "secret": registration.secret,
            "label": f"Valetkey trigger {registration.trigger_id}",
        }
        if config.get("team_id"):
            webhook_input["teamId"] = config["team_id"]
        else:
            webhook_input["allPublicTeams"] = True
        data = await _graphql(registration, CREATE, {"input": webhook_input}, "Creating the Linear webhook")
        created = data.get("webhookCreate") or {}
        if not created.get("success") or not (created.get("webhook") or {}).get("id"):
            raise ProviderError("Creating the Linear webhook: Linear did not create it")
        return Registered({"webhook_id": created["webhook"]["id"]})

    async def deregister(self, registration: Registration) -> None:
        webhook_id = registration.provider_state.get("webhook_id")
        if webhook_id:
            await _graphql(
                registration, DELETE, {"id": str(webhook_id)}, f"Deleting Linear webhook {webhook_id}"
            )

    def verify(self, request: IngressRequest, secret: str) -> None:
        given = request.headers.get("linear-signature", "")
        if not given:
            raise IngressRefused("The request has no Linear-Signature header")
        expected = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, given.strip()):
            raise IngressRefused("Linear-Signature does not match the body")
        try:
            stamp = float(json.loads(request.body).get("webhookTimestamp"))
        except (ValueError, TypeError, AttributeError):
            raise IngressRefused("The body has no webhookTimestamp") from None
        if abs(time.time() - stamp / 1000) > TOLERANCE_SECONDS:
            raise IngressRefused(f"webhookTimestamp is more than {TOLERANCE_SECONDS} s away (a replay?)")

    def parse(self, request: IngressRequest, trigger: TriggerType, config: dict[str, Any]) -> Parsed:
        try:
            body = json.loads(request.body)
        except ValueError as exc:
            raise ValidationError(f"The delivery body is not a Linear event: {exc}") from None
        if not isinstance(body, dict):
            raise ValidationError("The delivery body is not a Linear event object")
        delivery = request.headers.get("linear-delivery") or None
        source = trigger.source
        if body.get("type") not in source.get("resources", []):
            return Parsed(delivery, [], {"ok": True, "ignored": str(body.get("type"))})
        if source.get("actions") and body.get("action") not in source["actions"]:
            return Parsed(delivery, [], {"ok": True, "ignored": f"{body.get('type')}.{body.get('action')}"})
        data = {
            "action": str(body.get("action", "")),
            "type": str(body.get("type", "")),
            "data": body.get("data") or {},
            "url": body.get("url"),
            "updatedFrom": body.get("updatedFrom"),
            "createdAt": body.get("createdAt"),
        }
        return Parsed(delivery, [data])
