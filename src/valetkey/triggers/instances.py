"""Trigger instances: upsert, list, enable and disable, delete, and the health each one shows.

Upsert resolves the account (an explicit `connected_account_id` that must belong
to `user_id` when both are given, else the user's newest ACTIVE account for the
toolkit; a trigger of a NO_AUTH toolkit such as Hacker News needs no account and
belongs to `user_id`), checks the config against the type's schema, stores the instance and
only then registers it at the provider, so the provider's immediate test
delivery (GitHub's ``ping``) finds it; a failed registration removes it again.
An instance with the same type, account and config is the same instance.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from valetkey.catalog.model import Toolkit, TriggerType
from valetkey.connections.models import ConnectedAccount
from valetkey.core.cursors import decode_cursor, encode_cursor
from valetkey.core.errors import ApiError, BadRequest, Conflict, NotFound, connected_account_not_found
from valetkey.core.ids import new_id
from valetkey.execution.accounts import resolve_account
from valetkey.store.db import utcnow
from valetkey.triggers import providers
from valetkey.triggers.app_calls import app_call
from valetkey.triggers.config import check_config
from valetkey.triggers.models import TRIGGER_SECRET, TriggerInstance
from valetkey.triggers.providers.base import Registration
from valetkey.triggers.state import TriggersState
from valetkey.vault import AssociatedData, Vault

INGRESS_PREFIX = "/api/v3.1/trigger_ingress"
# The account can no longer call the app: deleting goes on without deregistering (its owner removes the hook).
UNUSABLE_ACCOUNT = frozenset(
    {
        "ConnectedAccountNotActive",
        "ConnectedAccountDisabled",
        "AuthConfigDisabled",
        "ConnectedAccountNotFound",
    }
)
log = logging.getLogger("valetkey.triggers")
MIN_POLL_SECONDS = 60.0


def trigger_not_found(trigger_id: str) -> NotFound:
    return NotFound(
        f"Trigger instance {trigger_id} not found",
        slug="TriggerNotFound",
        suggested_fix="List trigger instances with GET /api/v3/trigger_instances/active?show_disabled=true.",
    )


def ingress_url(public_url: str, toolkit: str, trigger_id: str) -> str:
    return f"{public_url}{INGRESS_PREFIX}/{toolkit}/{trigger_id}"


def _aad(instance: TriggerInstance) -> AssociatedData:
    return AssociatedData(TRIGGER_SECRET, instance.project_id, instance.id)


def secret_of(vault: Vault, instance: TriggerInstance) -> str:
    if not instance.secret_encrypted:
        return ""
    return str(vault.decrypt_json(instance.secret_encrypted, aad=_aad(instance))["secret"])


def poll_seconds(config: dict[str, Any], override: float | None) -> float:
    """`VALETKEY_POLL_INTERVAL` when set, else the trigger's `interval` minutes, at least a minute."""
    if override is not None:
        return override
    minutes = config.get("interval", 1)
    try:
        seconds = float(minutes) * 60
    except (TypeError, ValueError):
        seconds = MIN_POLL_SECONDS
    return max(seconds, MIN_POLL_SECONDS)


def iso(value: dt.datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def serialize(instance: TriggerInstance) -> dict[str, Any]:
    updated, created = iso(instance.updated_at), iso(instance.created_at)
    # No account (a NO_AUTH toolkit's trigger): "", as the SDK's models require strings.
    account_id, auth_config_id = instance.connected_account_id or "", instance.auth_config_id or ""
    disabled_at = iso(instance.disabled_at) if instance.status == "disabled" else None
    return {
        "id": instance.id,
        "uuid": instance.id,
        "connected_account_id": account_id,
        "connected_account_uuid": account_id,
        "auth_config_id": auth_config_id,
        "trigger_name": instance.trigger_slug,
        "user_id": instance.user_id,
        "trigger_data": None,
        "version": instance.version,
        "trigger_config": dict(instance.config),
        "egress_url": None,
        "state": {},
        "status": instance.status,
        "disabled_reason": instance.disabled_reason,
        "created_at": created,
        "updated_at": updated,
        "disabled_at": disabled_at,
        "health": {
            "last_event_at": iso(instance.last_event_at),
            "last_poll_at": iso(instance.last_poll_at),
            "next_poll_at": iso(instance.next_poll_at) if instance.status == "enabled" else None,
            "consecutive_errors": instance.consecutive_errors,
            "last_error": instance.last_error,
            "disabled_reason": instance.disabled_reason,
        },
        # The SDK's models still require the camelCase spellings.
        "connectedAccountId": account_id,
        "triggerName": instance.trigger_slug,
        "updatedAt": updated,
        "triggerConfig": dict(instance.config),
        "disabledAt": disabled_at,
        "deprecated": {"createdAt": created},
    }


def registration(
    state: TriggersState, instance: TriggerInstance, trigger: TriggerType, toolkit: Toolkit
) -> Registration:
    return Registration(
        trigger=trigger,
        trigger_id=instance.id,
        config=dict(instance.config),
        secret=secret_of(state.vault, instance),
        ingress_url=ingress_url(state.settings.public_url, toolkit.slug, instance.id),
        call=app_call(state, instance.project_id, toolkit, instance.connected_account_id),
        provider_state=dict(instance.provider_state),
    )


def _instance(db: Session, project_id: str, trigger_id: str) -> TriggerInstance:
    instance = db.scalar(
        select(TriggerInstance).where(
            TriggerInstance.id == trigger_id, TriggerInstance.project_id == project_id
        )
    )
    if instance is None:
        raise trigger_not_found(trigger_id)
    return instance


@dataclass(frozen=True)
class Listener:
    """Who a trigger listens as: a connected account, or (NO_AUTH toolkits) only a user id."""

    user_id: str
    account_id: str | None = None
    auth_config_id: str | None = None


def _listener(
    db: Session,
    project_id: str,
    toolkit: Toolkit,
    user_id: str | None,
    connected_account_id: str | None,
) -> Listener:
    if toolkit.no_auth and not connected_account_id and user_id:
        return Listener(user_id)
    account = resolve_account(
        db, project_id, toolkit.slug, connected_account_id=connected_account_id, user_id=user_id
    )
    if connected_account_id and user_id and account.user_id != user_id:
        raise connected_account_not_found(
            connected_account_id, suggested_fix=f"Pass a connected account of user '{user_id}'."
        )
    return Listener(account.user_id, account.id, account.auth_config_id)


def _store(
    state: TriggersState,
    project_id: str,
    trigger: TriggerType,
    toolkit: Toolkit,
    version: str,
    config: dict[str, Any],
    user_id: str | None,
    connected_account_id: str | None,
) -> tuple[TriggerInstance, bool]:
    with state.db.write_session() as db:
        listener = _listener(db, project_id, toolkit, user_id, connected_account_id)
        same_listener = (
            TriggerInstance.connected_account_id == listener.account_id
            if listener.account_id is not None
            else and_(
                TriggerInstance.connected_account_id.is_(None), TriggerInstance.user_id == listener.user_id
            )
        )
        for existing in db.scalars(
            select(TriggerInstance).where(
                TriggerInstance.project_id == project_id,
                TriggerInstance.trigger_slug == trigger.slug,
                same_listener,
            )
        ):
            if existing.config == config:
                return existing, False
        now = utcnow()
        instance = TriggerInstance(
            id=new_id("ti"),
            project_id=project_id,
            trigger_slug=trigger.slug,
            toolkit_slug=trigger.toolkit,
            kind=trigger.kind,
            version=version,
            connected_account_id=listener.account_id,
            auth_config_id=listener.auth_config_id,
            user_id=listener.user_id,
            config=config,
            status="enabled",
            provider_state={},
            consecutive_errors=0,
            created_at=now,
            updated_at=now,
        )
        instance.secret_encrypted = state.vault.encrypt_json(
            {"secret": secrets.token_urlsafe(32)}, aad=_aad(instance)
        )
        db.add(instance)
        db.flush()
        return instance, True


def _save_provider_state(
    state: TriggersState,
    trigger_id: str,
    provider_state: dict[str, Any],
    poll_after: float | None,
    secret: str | None = None,
) -> None:
    with state.db.write_session() as db:
        instance = db.get(TriggerInstance, trigger_id)
        if instance is None:
            return
        instance.provider_state = provider_state
        if secret is not None:  # the app chose the signing secret (Stripe): sealed as ours was
            instance.secret_encrypted = state.vault.encrypt_json({"secret": secret}, aad=_aad(instance))
        if poll_after is not None:
            instance.next_poll_at = utcnow() + dt.timedelta(seconds=poll_after)


def _drop(state: TriggersState, trigger_id: str) -> None:
    with state.db.write_session() as db:
        instance = db.get(TriggerInstance, trigger_id)
        if instance is not None:
            db.delete(instance)


async def start_at_provider(
    state: TriggersState, instance: TriggerInstance, trigger: TriggerType, toolkit: Toolkit
) -> None:
    """Register a webhook, or take a poll watermark; the provider state is saved on the instance."""
    reg = registration(state, instance, trigger, toolkit)
    if trigger.kind == "webhook":
        provider = providers.WEBHOOK_PROVIDERS[trigger.toolkit]
        registered = await provider.register(reg)
        await run_in_threadpool(
            _save_provider_state, state, instance.id, registered.provider_state, None, registered.secret
        )
    else:
        poller = providers.POLL_PROVIDERS[trigger.toolkit]
        provider_state = await poller.start(reg)
        interval = poll_seconds(instance.config, state.settings.poll_interval)
        await run_in_threadpool(_save_provider_state, state, instance.id, provider_state, interval)


async def upsert(
    state: TriggersState,
    project_id: str,
    slug: str,
    *,
    user_id: str | None,
    connected_account_id: str | None,
    trigger_config: dict[str, Any],
    version: str | None,
) -> str:
    trigger, toolkit, concrete = state.catalog.trigger_type(slug, version)
    providers.supported(trigger)
    config = check_config(trigger, trigger_config)
    if not user_id and not connected_account_id:
        raise BadRequest(
            "Pass user_id or connected_account_id",
            suggested_fix="The trigger listens as a connected account.",
        )
    instance, created = await run_in_threadpool(
        _store, state, project_id, trigger, toolkit, concrete, config, user_id, connected_account_id
    )
    if created:
        try:
            await start_at_provider(state, instance, trigger, toolkit)
        except BaseException:
            await run_in_threadpool(_drop, state, instance.id)
            raise
    return instance.id


def list_active(
    db: Session,
    project_id: str,
    *,
    trigger_ids: list[str],
    trigger_names: list[str],
    connected_account_ids: list[str],
    auth_config_ids: list[str],
    user_ids: list[str],
    show_disabled: bool,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    query = select(TriggerInstance).where(TriggerInstance.project_id == project_id)
    if trigger_ids:
        query = query.where(TriggerInstance.id.in_(trigger_ids))
    if trigger_names:
        query = query.where(TriggerInstance.trigger_slug.in_([n.upper() for n in trigger_names]))
    if connected_account_ids:
        query = query.where(TriggerInstance.connected_account_id.in_(connected_account_ids))
    if auth_config_ids:
        query = query.where(TriggerInstance.auth_config_id.in_(auth_config_ids))
    if user_ids:
        query = query.where(TriggerInstance.user_id.in_(user_ids))
    if not show_disabled:
        query = query.where(TriggerInstance.status == "enabled")
    offset = decode_cursor(cursor)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(
        query.order_by(TriggerInstance.created_at.desc(), TriggerInstance.id).offset(offset).limit(limit)
    ).all()
    more = offset + len(rows) < total
    return {
        "items": [serialize(i) for i in rows],
        "next_cursor": encode_cursor(offset + len(rows)) if more else None,
        "total_items": total,
        "current_page": offset // limit + 1,
        "total_pages": max(1, -(-total // limit)),
    }


def get(db: Session, project_id: str, trigger_id: str) -> dict[str, Any]:
    return serialize(_instance(db, project_id, trigger_id))


async def set_status(
    state: TriggersState, project_id: str, trigger_id: str, status: str, user_id: str | None
) -> None:
    """Enable or disable an instance. Enabling a polling one takes a fresh watermark: what happened
    while it was disabled is never delivered."""

    def change() -> TriggerInstance | None:
        with state.db.write_session() as db:
            instance = _instance(db, project_id, trigger_id)
            if user_id and instance.user_id != user_id:
                raise trigger_not_found(trigger_id)
            now = utcnow()
            if status == "disable":
                if instance.status != "disabled" or instance.disabled_reason != "manual":
                    instance.status, instance.disabled_reason, instance.disabled_at = (
                        "disabled",
                        "manual",
                        now,
                    )
                    instance.next_poll_at = None
                return None
            if instance.status == "enabled":
                return None
            account_id = instance.connected_account_id
            account = db.get(ConnectedAccount, account_id) if account_id is not None else None
            if account_id is not None and (
                account is None or account.status != "ACTIVE" or account.is_disabled
            ):
                raise Conflict(
                    f"Trigger {trigger_id} cannot be enabled: connected account {instance.connected_account_id} "
                    f"is {'disabled' if account is not None and account.is_disabled else (account.status if account else 'gone')}",
                    slug="ConnectedAccountNotActive",
                    suggested_fix="Reconnect the account; its triggers resume when it is ACTIVE again.",
                )
            instance.status, instance.disabled_reason, instance.disabled_at = "enabled", None, None
            instance.consecutive_errors, instance.last_error = 0, None
            instance.updated_at = now
            db.flush()
            db.expunge(instance)
            return instance if instance.kind == "poll" else None

    resumed = await run_in_threadpool(change)
    if resumed is not None:
        trigger, toolkit, _ = state.catalog.trigger_type(resumed.trigger_slug, resumed.version)
        await start_at_provider(state, resumed, trigger, toolkit)


async def delete(state: TriggersState, project_id: str, trigger_id: str) -> None:
    def load() -> TriggerInstance:
        with state.db.session() as db:
            instance = _instance(db, project_id, trigger_id)
            db.expunge(instance)
            return instance

    instance = await run_in_threadpool(load)
    if instance.kind == "webhook":
        try:
            trigger, toolkit, _ = state.catalog.trigger_type(instance.trigger_slug, instance.version)
        except ApiError:
            trigger = None  # the type left the catalog: nothing to deregister with
        if trigger is not None and trigger.toolkit in providers.WEBHOOK_PROVIDERS:
            try:
                await providers.WEBHOOK_PROVIDERS[trigger.toolkit].deregister(
                    registration(state, instance, trigger, toolkit)
                )
            except ApiError as exc:
                if exc.slug not in UNUSABLE_ACCOUNT:
                    raise  # the app failed: keep the instance, so deleting again retries the removal
                log.warning("trigger %s deleted without removing its hook: %s", instance.id, exc.message)
    await run_in_threadpool(_drop, state, instance.id)


async def delete_all(state: TriggersState, project_id: str, *, account_id: str | None = None) -> int:
    """Delete the project's trigger instances (only `account_id`'s when given), each removed at its
    provider first, as `delete` does; how many went.

    Called before the account or the project itself goes, while the account can still call the
    app. A provider that cannot remove a hook now never will be asked again (the credentials
    go), so the failure is logged and the instance dropped anyway.
    """

    def ids() -> list[str]:
        with state.db.session() as db:
            query = select(TriggerInstance.id).where(TriggerInstance.project_id == project_id)
            if account_id is not None:
                query = query.where(TriggerInstance.connected_account_id == account_id)
            return list(db.scalars(query))

    found = await run_in_threadpool(ids)
    for trigger_id in found:
        try:
            await delete(state, project_id, trigger_id)
        except ApiError as exc:
            log.warning("trigger %s deleted without removing it at the app: %s", trigger_id, exc.message)
            await run_in_threadpool(_drop, state, trigger_id)
    return len(found)
