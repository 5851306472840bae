"""Webhook endpoints: a toolkit's app-level ingress URL per OAuth app, and the app's settings.

Some apps deliver events for every installation of an app to one URL (Slack's
Events API Request URL), signed with the app's secret rather than a per-trigger
one. An endpoint (``/webhook_endpoints``, the SDK's `webhooks.endpoints.*`) is that
URL for one (toolkit, OAuth client id) of a project; its `data` holds the app's
settings (``signing_secret``), sealed in the vault and answered masked.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from valetkey.catalog.registry import Catalog
from valetkey.core.errors import NotFound, ValidationError
from valetkey.core.ids import new_id
from valetkey.store.db import utcnow
from valetkey.triggers.models import WEBHOOK_ENDPOINT_DATA, WebhookEndpoint
from valetkey.vault import AssociatedData, Vault, mask_secret

APP_INGRESS = "/api/v3.1/trigger_ingress/{toolkit}/apps/{endpoint_id}"
# The toolkits whose events come to an app-level endpoint, and the data keys each takes.
APP_LEVEL: dict[str, tuple[str, ...]] = {"slack": ("signing_secret",)}


def _aad(endpoint: WebhookEndpoint) -> AssociatedData:
    return AssociatedData(WEBHOOK_ENDPOINT_DATA, endpoint.project_id, endpoint.id)


def data_of(vault: Vault, endpoint: WebhookEndpoint) -> dict[str, str]:
    return {k: str(v) for k, v in vault.decrypt_json(endpoint.data_encrypted, aad=_aad(endpoint)).items()}


def _check_data(toolkit: str, data: dict[str, str]) -> dict[str, str]:
    allowed = APP_LEVEL[toolkit]
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError(
            f"data.{unknown[0]}: not a setting of {toolkit} webhook endpoints",
            suggested_fix=f"{toolkit} endpoints take {', '.join(allowed)}.",
        )
    return data


def serialize(vault: Vault, public_url: str, endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "toolkit_slug": endpoint.toolkit_slug,
        "client_id": endpoint.client_id,
        "webhook_url": public_url
        + APP_INGRESS.format(toolkit=endpoint.toolkit_slug, endpoint_id=endpoint.id),
        "data": {k: mask_secret(v) for k, v in data_of(vault, endpoint).items()},
        "created_at": endpoint.created_at.isoformat().replace("+00:00", "Z"),
    }


def _get(db: Session, project_id: str, endpoint_id: str) -> WebhookEndpoint:
    endpoint = db.scalar(
        select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id, WebhookEndpoint.project_id == project_id
        )
    )
    if endpoint is None:
        raise NotFound(f"Webhook endpoint {endpoint_id} not found", slug="WebhookEndpointNotFound")
    return endpoint


def create(
    db: Session, vault: Vault, catalog: Catalog, project_id: str, toolkit_slug: str, client_id: str
) -> WebhookEndpoint:
    """The endpoint of (toolkit, client id), created when it does not exist yet (as Composio's)."""
    toolkit = catalog.toolkit(toolkit_slug)
    if toolkit.slug not in APP_LEVEL:
        raise ValidationError(
            f"toolkit_slug: {toolkit.slug} events come to each trigger's own URL; it has no app-level endpoint",
            suggested_fix=f"Toolkits with webhook endpoints: {', '.join(APP_LEVEL)}.",
        )
    existing = db.scalar(
        select(WebhookEndpoint).where(
            WebhookEndpoint.project_id == project_id,
            WebhookEndpoint.toolkit_slug == toolkit.slug,
            WebhookEndpoint.client_id == client_id,
        )
    )
    if existing is not None:
        return existing
    endpoint = WebhookEndpoint(
        id=new_id("we"), project_id=project_id, toolkit_slug=toolkit.slug, client_id=client_id
    )
    endpoint.data_encrypted = vault.encrypt_json({}, aad=_aad(endpoint))
    db.add(endpoint)
    db.flush()
    return endpoint


def list_for(db: Session, project_id: str, toolkit_slug: str | None) -> list[WebhookEndpoint]:
    query = select(WebhookEndpoint).where(WebhookEndpoint.project_id == project_id)
    if toolkit_slug:
        query = query.where(WebhookEndpoint.toolkit_slug == toolkit_slug.lower())
    return list(db.scalars(query.order_by(WebhookEndpoint.created_at)))


def get(db: Session, project_id: str, endpoint_id: str) -> WebhookEndpoint:
    return _get(db, project_id, endpoint_id)


def set_data(
    db: Session, vault: Vault, project_id: str, endpoint_id: str, data: dict[str, str], *, merge: bool
) -> WebhookEndpoint:
    endpoint = _get(db, project_id, endpoint_id)
    new = _check_data(endpoint.toolkit_slug, data)
    if merge:
        new = {**data_of(vault, endpoint), **new}
    endpoint.data_encrypted = vault.encrypt_json(new, aad=_aad(endpoint))
    endpoint.updated_at = utcnow()
    db.flush()
    return endpoint
