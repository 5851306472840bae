"""Recreating a snapshot (`snapshot.Snapshot`) in a Valetkey project, idempotently.

Order: auth configs, then connected accounts (in batches), then trigger
instances, the webhook subscription and MCP servers, since each names the
ones before. Every resource is written in one transaction with its import
ledger row (`transfer.models.ImportLedger`) and its source id as an alias
(`tenancy.aliases`): a crash leaves each resource wholly imported or not at
all, and a rerun skips what the ledger has. Accounts are then verified
(`verify.py`); a rerun verifies again only the accounts still ``pending``.

What cannot move is said in the report, never silently dropped:
- accounts made with the source's managed OAuth apps hold tokens issued to
  the source's OAuth client: no other client may refresh them, so the user
  must authorize again (a Connect Link, `relink.py`);
- masked tokens (the source project masks secrets) are unusable;
- a webhook subscription's signing secret is masked at the source: the new
  subscription has a new secret (the report's warnings say how to reveal it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import Session

from valetkey.connections import schemes
from valetkey.connections.configs import AuthConfigInput, create_auth_config
from valetkey.connections.credentials import seal_account_state
from valetkey.connections.models import CUSTOM, MANAGED, ConnectedAccount
from valetkey.core.errors import ApiError
from valetkey.core.ids import new_id
from valetkey.mcp import configs as mcp_configs
from valetkey.store.db import utcnow
from valetkey.tenancy.aliases import set_alias
from valetkey.transfer.models import ImportLedger
from valetkey.transfer.snapshot import Snapshot
from valetkey.triggers import instances as trigger_instances
from valetkey.triggers.state import TriggersState
from valetkey.webhooks import subscriptions

BATCH = 50
# Values of `state.val` that describe the wire answer, not the connection.
WIRE_ONLY = frozenset({"status", "error", "expired_at", "redirect_url", "redirectUrl", "callback_url"})
# OAuth values that are safe to keep in plain data; every other token-response value is sealed.
PUBLIC_OAUTH = frozenset({"scope", "requested_scopes", "account_label", "instance_url", "base_url"})
EXPIRY_KEYS = ("expires_at", "expiresAt")
SECRETS_HINT = "pass it in --secrets FILE ({source auth config id: {field: value}})"

MIGRATED, REAUTH, FAILED, PENDING, SKIPPED = "migrated", "reauth", "failed", "pending", "skipped"


def is_masked(value: Any) -> bool:
    """A value the source masked (`REDACTED`, or four characters and `...`)."""
    return isinstance(value, str) and (value == "REDACTED" or (len(value) == 7 and value.endswith("...")))


@dataclass
class Item:
    kind: str
    source_id: str
    outcome: str
    target_id: str | None = None
    reason: str | None = None
    user_id: str | None = None
    toolkit: str | None = None
    status: str | None = None

    def out(self) -> dict[str, Any]:
        body = {
            "source_id": self.source_id,
            "id": self.target_id,
            "outcome": self.outcome,
            "reason": self.reason,
        }
        if self.kind == "connected_account":
            body.update(user_id=self.user_id, toolkit=self.toolkit, status=self.status)
        elif self.toolkit:
            body["toolkit"] = self.toolkit
        return body


@dataclass
class Report:
    project_id: str
    source: str
    dry_run: bool
    items: list[Item] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def of(self, kind: str) -> list[Item]:
        return [i for i in self.items if i.kind == kind]

    def to_json(self) -> dict[str, Any]:
        accounts = self.of("connected_account")
        return {
            "project_id": self.project_id,
            "source": self.source,
            "dry_run": self.dry_run,
            "summary": {
                "auth_configs": _tally(self.of("auth_config")),
                "connected_accounts": _tally(accounts),
                "trigger_instances": _tally(self.of("trigger")),
                "webhook_subscriptions": _tally(self.of("webhook_subscription")),
                "mcp_servers": _tally(self.of("mcp_server")),
            },
            "accounts": {
                "migrated": [i.out() for i in accounts if i.outcome == MIGRATED],
                "needs_reauthorization": [i.out() for i in accounts if i.outcome == REAUTH],
                "failed": [i.out() for i in accounts if i.outcome == FAILED],
                "pending": [i.out() for i in accounts if i.outcome == PENDING],
            },
            "auth_configs": [i.out() for i in self.of("auth_config")],
            "trigger_instances": [i.out() for i in self.of("trigger")],
            "webhook_subscriptions": [i.out() for i in self.of("webhook_subscription")],
            "mcp_servers": [i.out() for i in self.of("mcp_server")],
            "warnings": list(self.warnings),
        }


def _tally(items: Sequence[Item]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item.outcome] = counts.get(item.outcome, 0) + 1
    return counts


# A prompt for a masked credential: (source auth config wire object, field name) -> the value.
Prompt = Callable[[Mapping[str, Any], str], str | None]
Tick = Callable[[str, int], None]


@dataclass
class _Config:
    target_id: str | None
    managed: bool
    mode: str | None
    reason: str | None


def _ledger(db: Session, project_id: str, kind: str) -> dict[str, ImportLedger]:
    rows = db.scalars(
        select(ImportLedger).where(ImportLedger.project_id == project_id, ImportLedger.kind == kind)
    )
    return {row.source_id: row for row in rows}


def _record(db: Session, project_id: str, source: str, item: Item) -> None:
    row = db.get(ImportLedger, (project_id, item.kind, item.source_id))
    if row is None:
        row = ImportLedger(project_id=project_id, kind=item.kind, source_id=item.source_id, source=source)
        db.add(row)
    row.target_id = item.target_id
    row.outcome = item.outcome
    row.reason = item.reason
    row.user_id = item.user_id
    row.toolkit_slug = item.toolkit
    db.flush()


def _item_of(row: ImportLedger) -> Item:
    return Item(
        row.kind, row.source_id, row.outcome, row.target_id, row.reason, row.user_id, row.toolkit_slug
    )


def _parse_expiry(value: Any) -> dt.datetime | None:
    if isinstance(value, (int, float)) and value > 0:
        return dt.datetime.fromtimestamp(float(value) / (1000 if value > 1e11 else 1), dt.UTC)
    if isinstance(value, str) and value:
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return None


class Importer:
    def __init__(
        self,
        state: TriggersState,
        project_id: str,
        *,
        source: str,
        secrets: Mapping[str, Mapping[str, str]] | None = None,
        prompt: Prompt | None = None,
        tick: Tick | None = None,
        dry_run: bool = False,
    ):
        self.state = state
        self.project_id = project_id
        self.source = source
        self.secrets = {k: dict(v) for k, v in (secrets or {}).items()}
        self.prompt = prompt
        self.tick = tick or (lambda kind, n: None)
        self.dry_run = dry_run
        self.report = Report(project_id, source, dry_run)
        self.configs: dict[str, _Config] = {}
        self.accounts: dict[str, str] = {}  # source account id -> new id

    # ---- auth configs -------------------------------------------------------------------------

    def import_configs(self, wires: Sequence[Mapping[str, Any]]) -> None:
        with self.state.db.session() as db:
            done = _ledger(db, self.project_id, "auth_config")
        for wire in wires:
            source_id = str(wire.get("id") or "")
            row = done.get(source_id)
            if row is not None:
                item = _item_of(row)
                self._remember_config(db_row=row, wire=wire)
            else:
                item = self._one_config(wire)
            self.report.items.append(item)
            self.tick("auth_configs", 1)

    def _remember_config(self, *, db_row: ImportLedger, wire: Mapping[str, Any]) -> None:
        managed = bool(wire.get("is_composio_managed")) or wire.get("type") == "default"
        mode = wire.get("auth_scheme")
        reason = db_row.reason if db_row.outcome == FAILED else None
        self.configs[db_row.source_id] = _Config(db_row.target_id, managed, mode, reason)

    def _credentials(
        self, source_id: str, wire: Mapping[str, Any], scheme: Any
    ) -> tuple[dict[str, Any], list[str]]:
        """The credentials to create the config with, masked secrets filled in; and what is missing."""
        raw = dict(wire.get("credentials") or {})
        accepted = {f.name for f in scheme.config_fields} | set(schemes.PUBLIC_CONFIG_EXTRAS)
        accepted |= set(schemes.SCOPE_KEYS)
        dropped = sorted(k for k in raw if k not in accepted)
        if dropped:
            self.report.warnings.append(
                f"auth config {source_id}: credential fields this install does not use were left out: "
                + ", ".join(dropped)
            )
        credentials = {k: v for k, v in raw.items() if k in accepted and v is not None}
        given = self.secrets.get(source_id, {})
        missing: list[str] = []
        for spec in scheme.config_fields:
            value = credentials.get(spec.name)
            if spec.name in given:
                credentials[spec.name] = given[spec.name]
            elif spec.secret and (value is None or is_masked(value)):
                answer = self.prompt(wire, spec.name) if (self.prompt and not self.dry_run) else None
                if answer:
                    credentials[spec.name] = answer
                elif value is not None or spec.required:
                    credentials.pop(spec.name, None)
                    missing.append(spec.name)
        return credentials, missing

    def _one_config(self, wire: Mapping[str, Any], retried: bool = False) -> Item:
        source_id = str(wire.get("id") or "")
        slug = str((wire.get("toolkit") or {}).get("slug") or "")
        managed = bool(wire.get("is_composio_managed")) or wire.get("type") == "default"
        mode = wire.get("auth_scheme")
        item = Item("auth_config", source_id, FAILED, toolkit=slug)
        toolkit = self.state.catalog.find_toolkit(slug)
        if toolkit is None:
            item.reason = f"toolkit '{slug}' is not in this installation's catalog"
            return self._save_config(item, managed, mode)
        tool_access = dict(wire.get("tool_access_config") or {})
        restrict = list(wire.get("restrict_to_following_tools") or [])
        if restrict and not tool_access.get("tools_available_for_execution"):
            tool_access["tools_available_for_execution"] = restrict
        tool_access = {k: v for k, v in tool_access.items() if v}
        credentials: dict[str, Any] = {}
        if managed:
            credentials = {
                k: v for k, v in (wire.get("credentials") or {}).items() if k in schemes.SCOPE_KEYS
            }
        else:
            try:
                scheme = schemes.scheme_of(toolkit, schemes.normalize_mode(mode, where="auth_scheme"))
            except ApiError as exc:
                item.reason = exc.message
                return self._save_config(item, managed, mode)
            credentials, missing = self._credentials(source_id, wire, scheme)
            if missing:
                item.reason = f"masked at the source: {', '.join(missing)}; {SECRETS_HINT}"
                return self._save_config(item, managed, mode)
        data = AuthConfigInput(
            type=MANAGED if managed else CUSTOM,
            name=wire.get("name") or None,
            auth_scheme=mode if not managed else None,
            credentials=credentials or None,
            tool_access_config=tool_access or None,
        )
        if self.dry_run:
            item.outcome, item.reason = MIGRATED, "would be created"
            self.configs[source_id] = _Config(None, managed, mode, None)
            return item
        try:
            with self.state.db.session() as db:
                config = create_auth_config(
                    db, self.state.vault, self.state.managed_apps, self.project_id, toolkit, data
                )
                settings = dict(config.settings or {})
                settings["is_enabled_for_tool_router"] = bool(wire.get("is_enabled_for_tool_router"))
                if wire.get("proxy_config"):
                    settings["proxy_config"] = wire.get("proxy_config")
                config.settings = settings
                if wire.get("status") == "DISABLED":
                    config.status = "DISABLED"
                item.outcome, item.target_id = MIGRATED, config.id
                set_alias(db, self.project_id, source_id, "auth_config", config.id)
                _record(db, self.project_id, self.source, item)
        except ApiError as exc:
            if exc.slug == "AuthConfigNameExists" and data.name and not retried:
                # The source allows two configs one name; here a name is a connection_name.
                self.report.warnings.append(
                    f"auth config {source_id}: another config is named {data.name!r}; "
                    f"imported as {data.name + ' (' + source_id + ')'!r}"
                )
                wire = {**wire, "name": f"{data.name} ({source_id})"}
                return self._one_config(wire, retried=True)
            item.outcome, item.reason = FAILED, exc.message
            return self._save_config(item, managed, mode)
        self.configs[source_id] = _Config(item.target_id, managed, config.auth_scheme, None)
        return item

    def _save_config(self, item: Item, managed: bool, mode: Any) -> Item:
        self.configs[item.source_id] = _Config(None, managed, mode, item.reason)
        if not self.dry_run:
            with self.state.db.session() as db:
                _record(db, self.project_id, self.source, item)
        return item

    # ---- connected accounts -------------------------------------------------------------------

    def import_accounts(self, wires: Sequence[Mapping[str, Any]]) -> list[Item]:
        """Create the accounts not yet in the ledger; returns those still to verify."""
        with self.state.db.session() as db:
            done = _ledger(db, self.project_id, "connected_account")
        to_verify: list[Item] = []
        batch: list[tuple[Item, ConnectedAccount | None]] = []
        for wire in wires:
            source_id = str(wire.get("id") or "")
            row = done.get(source_id)
            if row is not None:
                item = _item_of(row)
                item.status = None
                if row.target_id:
                    self.accounts[source_id] = row.target_id
                self.report.items.append(item)
                if item.outcome == PENDING:
                    to_verify.append(item)
                self.tick("connected_accounts", 1)
                continue
            item, account = self._one_account(wire)
            self.report.items.append(item)
            if item.outcome == PENDING:
                to_verify.append(item)
            batch.append((item, account))
            if len(batch) >= BATCH:
                self._store_accounts(batch)
                batch = []
        self._store_accounts(batch)
        return to_verify

    def _store_accounts(self, batch: list[tuple[Item, ConnectedAccount | None]]) -> None:
        if not batch:
            return
        if not self.dry_run:
            with self.state.db.session() as db:
                for item, account in batch:
                    if account is not None:
                        db.add(account)
                        db.flush()
                        set_alias(db, self.project_id, item.source_id, "connected_account", account.id)
                    _record(db, self.project_id, self.source, item)
        for item, account in batch:
            if account is not None:
                self.accounts[item.source_id] = account.id
        self.tick("connected_accounts", len(batch))

    def _one_account(self, wire: Mapping[str, Any]) -> tuple[Item, ConnectedAccount | None]:
        source_id = str(wire.get("id") or "")
        slug = str((wire.get("toolkit") or {}).get("slug") or "")
        user_id = str(wire.get("user_id") or "default")
        status = str(wire.get("status") or "ACTIVE").upper()
        item = Item("connected_account", source_id, FAILED, user_id=user_id, toolkit=slug, status=status)
        config_source = str((wire.get("auth_config") or {}).get("id") or "")
        config = self.configs.get(config_source)
        if config is None:
            item.reason = f"its auth config {config_source or '(none)'} is not in the source's list"
            return item, None
        if config.target_id is None and not self.dry_run:
            item.reason = f"its auth config {config_source} was not imported: {config.reason}"
            return item, None
        toolkit = self.state.catalog.find_toolkit(slug)
        if toolkit is None:
            item.reason = f"toolkit '{slug}' is not in this installation's catalog"
            return item, None
        state = wire.get("state") or {}
        mode_raw = state.get("authScheme") or wire.get("authScheme") or config.mode
        try:
            mode = schemes.normalize_mode(mode_raw, where="authScheme")
            scheme = schemes.scheme_of(toolkit, mode)
        except ApiError as exc:
            item.reason = exc.message
            return item, None
        val = dict(state.get("val") or wire.get("data") or {})
        values = {k: v for k, v in val.items() if k not in WIRE_ONLY and v is not None}
        expires_at = None
        for key in EXPIRY_KEYS:
            if key in values:
                expires_at = _parse_expiry(values.pop(key))
        public, secret = self._split(scheme, values)
        account_id = new_id("ca")
        item.target_id = None if self.dry_run else account_id
        disabled = bool(wire.get("is_disabled")) or status == "INACTIVE"
        stored_status = "ACTIVE" if status == "INACTIVE" else status
        reason: str | None = wire.get("status_reason")
        if config.managed and mode in schemes.REDIRECT_SCHEMES:
            item.outcome = REAUTH
            item.reason = (
                "managed OAuth app: the tokens were issued to the source's OAuth client, "
                "which no other client may refresh"
            )
            secret, stored_status = {}, "EXPIRED"
        elif any(is_masked(v) for v in secret.values()):
            item.outcome = REAUTH
            item.reason = "masked tokens: the source masks secrets (mask_secret_keys_in_connected_account)"
            secret, stored_status = {}, "EXPIRED"
        elif status in ("INITIATED", "INITIALIZING"):
            item.outcome, item.reason = REAUTH, "never completed at the source"
            secret, stored_status = {}, "EXPIRED"
        elif status in ("EXPIRED", "FAILED", "REVOKED"):
            item.outcome, item.reason = REAUTH, f"{status} at the source" + (f": {reason}" if reason else "")
            stored_status = "EXPIRED" if status == "REVOKED" else status
        elif not secret and scheme.mode not in ("NO_AUTH",) and scheme.account_fields and mode != "NO_AUTH":
            item.outcome, item.reason = REAUTH, "the source returned no credentials for it"
            stored_status = "EXPIRED"
        else:
            try:
                if mode not in schemes.REDIRECT_SCHEMES:
                    schemes.check_account_values(scheme, {**public, **secret})
            except ApiError as exc:
                item.reason = exc.message
                return item, None
            item.outcome, item.reason = PENDING, None
        if item.outcome == REAUTH:
            reason = f"imported: needs re-authorization ({item.reason})"
        item.status = "INACTIVE" if disabled else stored_status
        if self.dry_run:
            if item.outcome == PENDING:
                item.outcome, item.reason = MIGRATED, "would be imported and verified"
            return item, None
        now = utcnow()
        data = {**public, "imported_from": {"source_id": source_id, "status": status}}
        account = ConnectedAccount(
            id=account_id,
            project_id=self.project_id,
            user_id=user_id,
            toolkit_slug=toolkit.slug,
            auth_config_id=config.target_id,
            auth_scheme=mode,
            status=stored_status,
            status_reason=reason if stored_status != "ACTIVE" else None,
            status_changed_at=now,
            is_disabled=disabled,
            status_before_disable=stored_status if disabled else None,
            alias=wire.get("alias") or None,
            data=data,
            state_encrypted=seal_account_state(self.state.vault, self.project_id, account_id, secret),
            expires_at=expires_at,
            created_at=_parse_expiry(wire.get("created_at")) or now,
            updated_at=now,
        )
        return item, account

    @staticmethod
    def _split(scheme: Any, values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """What is plain data and what is sealed: declared public fields stay plain, the rest is sealed."""
        declared = {f.name: f for f in scheme.account_fields}
        public_oauth = set(PUBLIC_OAUTH) | set((scheme.oauth or {}).get("public_token_fields") or ())
        public: dict[str, Any] = {}
        secret: dict[str, Any] = {}
        for name, value in values.items():
            spec = declared.get(name)
            if spec is not None:
                (secret if spec.secret else public)[name] = value
            elif scheme.mode in schemes.REDIRECT_SCHEMES and name in public_oauth:
                public[name] = value
            elif scheme.mode not in schemes.REDIRECT_SCHEMES and not isinstance(value, str):
                public[name] = value
            else:
                secret[name] = value
        return public, secret

    def settle(self, item: Item, outcome: str, reason: str | None) -> None:
        item.outcome, item.reason = outcome, reason
        with self.state.db.session() as db:
            _record(db, self.project_id, self.source, item)
            if item.target_id:
                account = db.get(ConnectedAccount, item.target_id)
                if account is not None:
                    item.status = "INACTIVE" if account.is_disabled else account.status

    # ---- triggers, the webhook subscription, MCP servers --------------------------------------

    async def import_triggers(self, wires: Sequence[Mapping[str, Any]]) -> None:
        with self.state.db.session() as db:
            done = _ledger(db, self.project_id, "trigger")
        for wire in wires:
            source_id = str(wire.get("id") or "")
            slug = str(wire.get("trigger_name") or wire.get("triggerName") or "")
            if source_id in done:
                self.report.items.append(_item_of(done[source_id]))
                continue
            item = Item("trigger", source_id, FAILED, toolkit=slug)
            account_source = str(wire.get("connected_account_id") or wire.get("connectedAccountId") or "")
            account_id = self.accounts.get(account_source)
            # No account: a NO_AUTH toolkit's trigger (Hacker News), which listens as its user.
            owner = None if account_source else str(wire.get("user_id") or "") or None
            if account_id is None and owner is None and not self.dry_run:
                item.reason = f"its connected account {account_source} was not imported"
            elif self.dry_run:
                item.outcome, item.reason = MIGRATED, "would be created"
            else:
                try:
                    item.target_id = await trigger_instances.upsert(
                        self.state,
                        self.project_id,
                        slug,
                        user_id=owner,
                        connected_account_id=account_id,
                        trigger_config=dict(wire.get("trigger_config") or wire.get("triggerConfig") or {}),
                        version=wire.get("version") or None,
                    )
                    item.outcome = MIGRATED
                    if wire.get("status") == "disabled" or wire.get("disabledAt"):
                        await trigger_instances.set_status(
                            self.state, self.project_id, item.target_id, "disable", None
                        )
                except ApiError as exc:
                    item.reason = exc.message
            if not self.dry_run:
                await run_in_threadpool(self._record_trigger, item)
            self.report.items.append(item)
            self.tick("trigger_instances", 1)

    def _record_trigger(self, item: Item) -> None:
        with self.state.db.session() as db:
            if item.target_id:
                set_alias(db, self.project_id, item.source_id, "trigger", item.target_id)
            _record(db, self.project_id, self.source, item)

    def import_webhooks(self, wires: Sequence[Mapping[str, Any]]) -> None:
        with self.state.db.session() as db:
            done = _ledger(db, self.project_id, "webhook_subscription")
        for wire in wires:
            source_id = str(wire.get("id") or "")
            if source_id in done:
                self.report.items.append(_item_of(done[source_id]))
                continue
            item = Item("webhook_subscription", source_id, FAILED)
            if self.dry_run:
                item.outcome, item.reason = MIGRATED, "would be created with a new signing secret"
                self.report.items.append(item)
                continue
            secret = wire.get("secret")
            kept = isinstance(secret, str) and len(secret) >= 16 and not is_masked(secret)
            try:
                with self.state.db.session() as db:
                    made = subscriptions.create(
                        db,
                        self.state.vault,
                        self.state.egress,
                        self.state.settings,
                        self.project_id,
                        webhook_url=str(wire.get("webhook_url") or ""),
                        enabled_events=list(wire.get("enabled_events") or []),
                        version=str(wire.get("version") or "V3"),
                        secret=str(secret) if kept else None,
                    )
                    item.outcome, item.target_id = MIGRATED, made["id"]
                    item.reason = None if kept else "new signing secret (the source's is not readable)"
                    _record(db, self.project_id, self.source, item)
                if not kept:
                    self.report.warnings.append(
                        f"webhook subscription {made['id']} ({made['webhook_url']}) signs with a new secret "
                        "(the source's is never readable): reveal it with POST "
                        f"/api/v3/webhook_subscriptions/{made['id']}/rotate_secret and update your verifier"
                    )
            except ApiError as exc:
                item.reason = exc.message
                with self.state.db.session() as db:
                    _record(db, self.project_id, self.source, item)
            self.report.items.append(item)

    def import_mcp_servers(self, wires: Sequence[Mapping[str, Any]]) -> None:
        with self.state.db.session() as db:
            done = _ledger(db, self.project_id, "mcp_server")
        for wire in wires:
            source_id = str(wire.get("id") or "")
            if source_id in done:
                self.report.items.append(_item_of(done[source_id]))
                continue
            item = Item("mcp_server", source_id, FAILED)
            sources = [str(x) for x in wire.get("auth_config_ids") or []]
            mapped = [self.configs[s].target_id for s in sources if s in self.configs]
            lost = [s for s in sources if s not in self.configs or self.configs[s].target_id is None]
            if lost and not self.dry_run:
                item.reason = f"its auth configs were not imported: {', '.join(lost)}"
            elif self.dry_run:
                item.outcome, item.reason = MIGRATED, "would be created"
            else:
                data = mcp_configs.ServerInput(
                    name=str(wire.get("name") or source_id),
                    toolkits=list(wire.get("toolkits") or []),
                    allowed_tools=list(wire.get("allowed_tools") or []),
                    auth_config_ids=[m for m in mapped if m],
                    managed_auth=bool(wire.get("managed_auth_via_composio")),
                )
                try:
                    with self.state.db.session() as db:
                        server = mcp_configs.create_server(db, self.state.catalog, self.project_id, data)
                        item.outcome, item.target_id = MIGRATED, server.id
                        set_alias(db, self.project_id, source_id, "mcp_server", server.id)
                        _record(db, self.project_id, self.source, item)
                except ApiError as exc:
                    item.reason = exc.message
            if item.outcome == FAILED and not self.dry_run:
                with self.state.db.session() as db:
                    _record(db, self.project_id, self.source, item)
            self.report.items.append(item)


async def run_import(
    importer: Importer, snapshot: Snapshot, *, verify: Callable[[Importer, list[Item]], Any]
) -> Report:
    """Everything in order; `verify` checks the accounts still pending (see `verify.verify_all`)."""
    await run_in_threadpool(importer.import_configs, snapshot.auth_configs)
    pending = await run_in_threadpool(importer.import_accounts, snapshot.connected_accounts)
    if not importer.dry_run:
        await verify(importer, pending)
    await importer.import_triggers(snapshot.trigger_instances)
    await run_in_threadpool(importer.import_webhooks, snapshot.webhook_subscriptions)
    await run_in_threadpool(importer.import_mcp_servers, snapshot.mcp_servers)
    return importer.report
