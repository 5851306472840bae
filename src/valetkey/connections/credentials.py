"""Sealing and opening the secrets of auth configs and connected accounts.

Every read or write of `AuthConfig.credentials_encrypted` and
`ConnectedAccount.state_encrypted` goes through this module, so the vault's
associated data (purpose, project id, record id) is built in one place: a
sealed value copied to another row or project fails to open.

`account_credentials` is the one answer to "what are this account's
credential values", used by tool execution and by the verification request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from valetkey.vault import AUTH_CONFIG_CREDENTIALS, CONNECTED_ACCOUNT_STATE, AssociatedData, Vault

# Auth-config credentials that say where a toolkit lives rather than who you are.
ENDPOINT_OVERRIDES = ("base_url", "authorization_url", "token_url")


def _config_aad(project_id: str, config_id: str) -> AssociatedData:
    return AssociatedData(AUTH_CONFIG_CREDENTIALS, project_id, config_id)


def _account_aad(project_id: str, account_id: str) -> AssociatedData:
    return AssociatedData(CONNECTED_ACCOUNT_STATE, project_id, account_id)


def seal_config_secrets(
    vault: Vault, project_id: str, config_id: str, secrets: Mapping[str, Any]
) -> str | None:
    return vault.encrypt_json(dict(secrets), aad=_config_aad(project_id, config_id)) if secrets else None


def open_config_secrets(vault: Vault, config: Any) -> dict[str, Any]:
    """The secret credential fields of an auth config row (empty when it has none)."""
    if not config.credentials_encrypted:
        return {}
    return vault.decrypt_json(config.credentials_encrypted, aad=_config_aad(config.project_id, config.id))


def seal_account_state(
    vault: Vault, project_id: str, account_id: str, secrets: Mapping[str, Any]
) -> str | None:
    return vault.encrypt_json(dict(secrets), aad=_account_aad(project_id, account_id)) if secrets else None


def open_account_state(
    vault: Vault, project_id: str, account_id: str, state_encrypted: str | None
) -> dict[str, Any]:
    if not state_encrypted:
        return {}
    return vault.decrypt_json(state_encrypted, aad=_account_aad(project_id, account_id))


def config_overrides(settings: Mapping[str, Any] | None) -> dict[str, str]:
    """`base_url`, `authorization_url` and `token_url` an auth config sets, if any."""
    public = (settings or {}).get("credentials") or {}
    return {name: public[name] for name in ENDPOINT_OVERRIDES if public.get(name)}


def account_credentials(
    vault: Vault,
    account: Any,
    *,
    project_id: str | None = None,
    auth_config_settings: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The plain credential values of a connected account, ready for a credential template.

    Merged from, lowest precedence first: the auth config's endpoint overrides
    (`base_url`...), the account's non-secret data (subdomain...), and its
    opened secret state (api_key, token, access_token...). `account` needs
    `id`, `data` and `state_encrypted`; `project_id` defaults to
    `account.project_id` (pass it for detached snapshots that lack one).
    """
    owner = project_id or account.project_id
    values: dict[str, Any] = dict(config_overrides(auth_config_settings))
    values.update(account.data or {})
    values.update(open_account_state(vault, owner, account.id, account.state_encrypted))
    return values
