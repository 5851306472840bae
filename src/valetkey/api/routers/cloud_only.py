"""Routes of Composio's API that mean something only its hosted cloud has, answered with a clear error.

Each answers the documented error object with a `suggested_fix` naming what to use on a
self-hosted server, never a bare 404 or 405, so a client learns why and what to do. The routes
carry the ``cloud-only`` tag (`scripts/sdk_conformance.py` reports them as such).

- ``GET /keyring/transfer_keys``: public keys of a customer-managed keyring, for sealing a
  secret before it is sent to Composio. Here the operator's own server receives the secret
  (over TLS) and seals it at rest itself (`VALETKEY_ENCRYPTION_KEYS`); there is no keyring
  instance, which Composio answers with 404 too.
- ``GET /migration/get-nanoid``: legacy (v1) UUIDs to v3 ids. Nothing here ever had a v1
  UUID: every resource was created with its v3 id (an auth config's ``uuid`` is its id).
- ``POST /labs/tool_router/session``: the legacy "labs" session create, replaced by
  ``POST /tool_router/session``.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query

from valetkey.api.auth import require_project
from valetkey.api.responses import documented
from valetkey.api.schemas import platform as r
from valetkey.core.errors import ApiError, NotFound
from valetkey.core.validation import QueryText

CLOUD_ONLY = "cloud-only"
router = APIRouter(tags=[CLOUD_ONLY], dependencies=[Depends(require_project)])


def _answers(composio_model: type, *statuses: int) -> dict[int | str, dict[str, Any]]:
    """Composio's success shape (documented, never sent here) and the error this server answers."""
    return documented(
        composio_model, *statuses, description="What Composio's cloud answers; this server answers the error"
    )


@router.get("/keyring/transfer_keys", responses=_answers(r.TransferKeys, 404))
def keyring_transfer_keys() -> None:
    raise NotFound(
        "This server has no customer-managed keyring: secrets are sent to it directly and sealed at rest "
        "with the operator's keys (VALETKEY_ENCRYPTION_KEYS)",
        slug="KeyringNotFound",
        suggested_fix="Send credentials in plain fields (credentials, state.val) over HTTPS to this server; "
        "do not seal them to a transfer key.",
    )


@router.get("/migration/get-nanoid", responses=_answers(r.NanoId, 404))
def migration_get_nanoid(
    uuid: QueryText = Query(min_length=1),
    type: Literal["CONNECTED_ACCOUNT", "AUTH_CONFIG", "TRIGGER_INSTANCE"] = Query(),
) -> None:
    raise NotFound(
        f"No {type.lower().replace('_', ' ')} has the legacy UUID {uuid!r}: resources on this server were "
        "created with their v3 ids and never had v1 UUIDs",
        slug="LegacyIdNotFound",
        suggested_fix="Use the resource's id as it is (an auth config's `uuid` field equals its id); "
        "list them with GET /api/v3/auth_configs or /api/v3/connected_accounts.",
    )


@router.post("/labs/tool_router/session", responses=_answers(r.LabsSession, 410))
def labs_tool_router_session() -> None:
    raise ApiError(
        "The labs tool router session endpoint is retired",
        status=410,
        slug="LegacyEndpoint",
        suggested_fix="Create sessions with POST /api/v3/tool_router/session (the SDK's create method).",
    )
