"""Encryption of secrets at rest: AES-256-GCM under a keyring with key ids.

Public API::

    vault = vault_from_settings(settings)              # once, at startup
    aad = AssociatedData(CONNECTED_ACCOUNT_STATE, project_id, account_id)
    column_value = vault.encrypt_json(state, aad=aad)  # -> "v1.<kid>.<data>"
    state = vault.decrypt_json(column_value, aad=aad)  # VaultError if it does not belong here

See docs/security.md for the keyring format, rotation and backups.
"""

from valetkey.vault.columns import (
    AUTH_CONFIG_CREDENTIALS,
    CONNECTED_ACCOUNT_STATE,
    INSTALLATION,
    OAUTH_FLOW_SECRET,
    SealedColumn,
    register_sealed_column,
)
from valetkey.vault.crypto import AssociatedData, UnknownKeyError, VaultError, token_kid
from valetkey.vault.keyring import Key, Keyring, KeyringError, generate_key, parse_keyring
from valetkey.vault.masking import mask_secret
from valetkey.vault.vault import Vault, vault_from_env_value, vault_from_settings

__all__ = [
    "AUTH_CONFIG_CREDENTIALS",
    "CONNECTED_ACCOUNT_STATE",
    "INSTALLATION",
    "OAUTH_FLOW_SECRET",
    "AssociatedData",
    "Key",
    "Keyring",
    "KeyringError",
    "SealedColumn",
    "UnknownKeyError",
    "Vault",
    "VaultError",
    "generate_key",
    "mask_secret",
    "parse_keyring",
    "register_sealed_column",
    "token_kid",
    "vault_from_env_value",
    "vault_from_settings",
]
