"""`ConnectedAccountService`: the SDK's `get_or_create_connected_account`, `get_connected_account`,
`get_connected_account_details` and `get_authorization_link`, over the connections feature.

Statuses (Valetkey's, as the REST API reports them -> the SDK's `ConnectorStatus`):
ACTIVE -> ACTIVE; INITIALIZING, INITIATED -> PENDING_AUTH; EXPIRED (and an INITIATED
account past its 10 minutes) -> EXPIRED; FAILED -> EXPIRED (the credentials were refused:
the user must authorize again); INACTIVE (disabled), REVOKED -> DISCONNECTED.
PENDING_VERIFICATION is never reported: Valetkey has no user-verification step.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import grpc
from google.protobuf import struct_pb2, timestamp_pb2
from scalekit.v1.connected_accounts import connected_accounts_pb2 as pb
from scalekit.v1.connected_accounts import connected_accounts_pb2_grpc as pb_grpc
from starlette.concurrency import run_in_threadpool

from valetkey.api.scalekit.base import Servicer
from valetkey.api.scalekit.errors import unsupported
from valetkey.connections import link as links
from valetkey.connections import named, views
from valetkey.connections.accounts import InitiateInput, initiate_account
from valetkey.connections.configs import config_by_name
from valetkey.connections.models import AuthConfig, ConnectedAccount
from valetkey.connections.schemes import REDIRECT_SCHEMES
from valetkey.connections.serializers import wire_status
from valetkey.core.context import ProjectContext
from valetkey.core.errors import BadRequest, Conflict, NotFound
from valetkey.store.db import utcnow

STATUSES = {
    "ACTIVE": pb.ACTIVE,
    "INITIALIZING": pb.PENDING_AUTH,
    "INITIATED": pb.PENDING_AUTH,
    "EXPIRED": pb.EXPIRED,
    "FAILED": pb.EXPIRED,
    "INACTIVE": pb.DISCONNECTED,
    "REVOKED": pb.DISCONNECTED,
}
TYPES = {
    "OAUTH2": pb.OAUTH,
    "OAUTH1": pb.CUSTOM,
    "API_KEY": pb.API_KEY,
    "BEARER_TOKEN": pb.BEARER_TOKEN,
    "BASIC": pb.BASIC_AUTH,
    "NO_AUTH": pb.NO_AUTH,
}
# `state.val` entries that describe the account rather than hold its credentials.
NOT_CREDENTIALS = {"status", "expired_at", "error", "prefill", "requested_scopes", "account_label"}
OAUTH_FIELDS = {"access_token", "refresh_token", "scope", "scopes", "token_type", "expires_in", "id_token"}


def connector_status(account: ConnectedAccount, now: dt.datetime) -> int:
    if account.is_disabled:
        return pb.DISCONNECTED
    return STATUSES.get(wire_status(account, now), pb.EXPIRED)


def _timestamp(value: dt.datetime | None) -> timestamp_pb2.Timestamp | None:
    if value is None:
        return None
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value.astimezone(dt.UTC).replace(tzinfo=None))
    return stamp


def _details(account: ConnectedAccount, val: dict[str, Any]) -> pb.AuthorizationDetails | None:
    values = {k: v for k, v in val.items() if k not in NOT_CREDENTIALS and v is not None}
    if not values:
        return None
    if account.auth_scheme == "OAUTH2":
        scopes = values.get("scopes") or values.get("scope") or []
        if isinstance(scopes, str):
            scopes = scopes.replace(",", " ").split()
        return pb.AuthorizationDetails(
            oauth_token=pb.OauthToken(
                access_token=str(values.get("access_token") or ""),
                refresh_token=str(values.get("refresh_token") or ""),
                scopes=[str(s) for s in scopes],
            )
        )
    details = struct_pb2.Struct()
    details.update({k: v for k, v in values.items() if isinstance(v, (str, int, float, bool))})
    return pb.AuthorizationDetails(static_auth=pb.StaticAuth(details=details))


def account_message(
    state: Any, account: ConnectedAccount, config: AuthConfig, project: ProjectContext, *, with_auth: bool
) -> pb.ConnectedAccount:
    now = utcnow()
    message = pb.ConnectedAccount(
        id=account.id,
        identifier=account.user_id,
        provider=account.toolkit_slug.lower(),
        connector=config.name,
        connection_id=config.id,
        status=connector_status(account, now),
        authorization_type=TYPES.get(account.auth_scheme, pb.CUSTOM),
        updated_at=_timestamp(account.updated_at),
    )
    if with_auth:
        # The Composio API's masking rule (mask_secret_keys_in_connected_account), on the same view.
        mask = project.setting("mask_secret_keys_in_connected_account") is not False
        view = views.account_view(state, account, config, mask=mask, now=now)
        details = _details(account, view["state"]["val"])
        if details is not None:
            message.authorization_details.CopyFrom(details)
    return message


class ConnectedAccounts(Servicer, pb_grpc.ConnectedAccountServiceServicer):
    async def GetConnectedAccountAuth(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await self._get(request, context, with_auth=True)

    async def GetConnectedAccountDetails(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await self._get(request, context, with_auth=False)

    async def _get(self, request: Any, context: grpc.aio.ServicerContext, *, with_auth: bool) -> Any:
        async with self.call(context) as project:
            await self.no_scoping(request, context)

            def read() -> pb.ConnectedAccount:
                with self.state.db.session() as db:
                    account, config = named.find_account(
                        db,
                        project.project_id,
                        connection_name=request.connector or None,
                        identifier=request.identifier or None,
                        account_id=request.id or None,
                    )
                return account_message(self.state, account, config, project, with_auth=with_auth)

            account = await run_in_threadpool(read)
            return pb.GetConnectedAccountByIdentifierResponse(connected_account=account)

    async def CreateConnectedAccount(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        async with self.call(context) as project:
            await self.no_scoping(request, context)
            if not request.connector or not request.identifier:
                raise BadRequest("connector (the connection name) and identifier are required")
            wanted = request.connected_account
            if wanted.HasField("api_config") and wanted.api_config.fields:
                await unsupported(context, "connected_account.api_config", "per-account API settings")
            details = wanted.authorization_details if wanted.HasField("authorization_details") else None
            kind = details.WhichOneof("details") if details is not None else None
            if kind not in (None, "static_auth"):
                await unsupported(
                    context,
                    f"connected_account.authorization_details.{kind}",
                    "only static_auth values (API keys, tokens, basic credentials) are accepted; OAuth "
                    "accounts are connected through the authorization link, or moved with `valetkey import`",
                )

            def named_config() -> AuthConfig:
                with self.state.db.session() as db:
                    config = config_by_name(db, project.project_id, request.connector)
                    try:
                        named.find_account(
                            db,
                            project.project_id,
                            connection_name=request.connector,
                            identifier=request.identifier,
                            account_id=None,
                        )
                    except NotFound:
                        return config
                # Scalekit keeps one account per connection and identifier; update or re-link that one.
                raise Conflict(
                    f"{request.identifier!r} already has an account on connection {request.connector!r}",
                    slug="ConnectedAccountExists",
                    suggested_fix="Use get_or_create_connected_account, or get_authorization_link to re-authorize.",
                )

            config = await run_in_threadpool(named_config)
            if details is not None and kind == "static_auth":
                from google.protobuf.json_format import MessageToDict

                if config.auth_scheme in REDIRECT_SCHEMES:
                    raise BadRequest(
                        f"Connection {config.name!r} uses {config.auth_scheme}: its accounts are authorized by "
                        "their user, not made from static_auth values",
                        slug="AuthSchemeMismatch",
                        suggested_fix="Leave authorization_details out and send the user the authorization link.",
                    )

                values = MessageToDict(details.static_auth.details)
                account, _ = await initiate_account(
                    self.state,
                    project.project_id,
                    InitiateInput(auth_config_id=config.id, user_id=request.identifier, values=values),
                )
            else:
                # Waiting for its user, as Scalekit's PENDING_AUTH: the link comes from get_authorization_link.
                made = await run_in_threadpool(
                    lambda: links.create_link(
                        self.state,
                        project.project_id,
                        auth_config_id=config.id,
                        user_id=request.identifier,
                        callback_url=None,
                        alias=None,
                        prefill=None,
                    )
                )
                account = await run_in_threadpool(self._load, made.account_id)
            message = account_message(self.state, account, config, project, with_auth=True)
            return pb.CreateConnectedAccountResponse(connected_account=message)

    def _load(self, account_id: str) -> ConnectedAccount:
        with self.state.db.session() as db:
            account = db.get(ConnectedAccount, account_id)
        if account is None:  # deleted meanwhile
            raise NotFound(f"Connected account {account_id} not found", slug="ConnectedAccountNotFound")
        return account

    async def GetMagicLinkForConnectedAccount(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        async with self.call(context) as project:
            await self.no_scoping(request, context)
            if request.HasField("state") and request.state:
                await unsupported(context, "state", "the user-verification redirect of Scalekit")
            if request.HasField("user_verify_url") and request.user_verify_url:
                await unsupported(context, "user_verify_url", "the user-verification redirect of Scalekit")

            def make() -> links.NewLink:
                with self.state.db.session() as db:
                    try:
                        account, config = named.find_account(
                            db,
                            project.project_id,
                            connection_name=request.connector or None,
                            identifier=request.identifier or None,
                            account_id=request.id or None,
                        )
                    except NotFound:
                        if request.id:
                            raise
                        account = None
                        config = config_by_name(db, project.project_id, request.connector)
                if account is not None:
                    again = named.reissue_link(self.state, project.project_id, account.id)
                    if again is not None:
                        return again
                    user_id, config_id = account.user_id, account.auth_config_id
                else:
                    user_id, config_id = request.identifier, config.id
                # Active, expired or revoked: a new connection for the user, which takes over once ACTIVE.
                return links.create_link(
                    self.state,
                    project.project_id,
                    auth_config_id=config_id,
                    user_id=user_id,
                    callback_url=None,
                    alias=None,
                    prefill=None,
                )

            made = await run_in_threadpool(make)
            return pb.GetMagicLinkForConnectedAccountResponse(
                link=made.url, expiry=_timestamp(made.expires_at)
            )

    async def VerifyConnectedAccountUser(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        async with self.call(context):
            await self.abort_unimplemented(
                context,
                "verify_connected_account_user: Valetkey has no user-verification step; an account is "
                "ACTIVE as soon as its user completes the authorization link",
            )
