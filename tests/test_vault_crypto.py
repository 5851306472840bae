"""Keyring parsing, AES-GCM sealing, associated-data binding and masking."""

from __future__ import annotations

import base64

import pytest

from valetkey.vault import (
    AssociatedData,
    Key,
    Keyring,
    KeyringError,
    UnknownKeyError,
    Vault,
    VaultError,
    generate_key,
    mask_secret,
    parse_keyring,
    token_kid,
)

AAD = AssociatedData("connected_account.state", "proj_a", "ca_1")
SECRET = {"access_token": "gho_very-secret-token-value", "refresh_token": "r1"}


def b64(raw: bytes, *, urlsafe: bool = True, pad: bool = False) -> str:
    text = (base64.urlsafe_b64encode if urlsafe else base64.standard_b64encode)(raw).decode()
    return text if pad else text.rstrip("=")


def test_roundtrip_bytes_and_json():
    vault = Vault(Keyring((generate_key("k1"),)))
    token = vault.encrypt(b"hunter2", aad=AAD)
    assert token.startswith("v1.k1.") and "hunter2" not in token
    assert vault.decrypt(token, aad=AAD) == b"hunter2"
    sealed = vault.encrypt_json(SECRET, aad=AAD)
    assert vault.decrypt_json(sealed, aad=AAD) == SECRET
    assert token_kid(sealed) == "k1"


def test_nonces_are_random():
    vault = Vault(Keyring((generate_key("k1"),)))
    assert vault.encrypt(b"same", aad=AAD) != vault.encrypt(b"same", aad=AAD)


def test_tampering_is_detected_at_every_byte_region():
    vault = Vault(Keyring((generate_key("k1"),)))
    token = vault.encrypt_json(SECRET, aad=AAD)
    prefix, body = token.rsplit(".", 1)
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    for index in (0, 11, 12, len(raw) // 2, len(raw) - 1):  # nonce, ciphertext, tag
        flipped = bytearray(raw)
        flipped[index] ^= 0x01
        with pytest.raises(VaultError, match="modified or belongs to another record"):
            vault.decrypt(f"{prefix}.{b64(bytes(flipped))}", aad=AAD)
    for broken in ("", "plain text", "v1.k1.", "v1.k1.abc", "v2.k1." + body, token + "!"):
        with pytest.raises(VaultError):
            vault.decrypt(broken, aad=AAD)


@pytest.mark.parametrize(
    "other",
    [
        AssociatedData("connected_account.state", "proj_a", "ca_2"),  # another record
        AssociatedData("connected_account.state", "proj_b", "ca_1"),  # another project
        AssociatedData("auth_config.credentials", "proj_a", "ca_1"),  # another column
    ],
)
def test_value_is_bound_to_its_row(other):
    vault = Vault(Keyring((generate_key("k1"),)))
    token = vault.encrypt_json(SECRET, aad=AAD)
    with pytest.raises(VaultError) as err:
        vault.decrypt_json(token, aad=other)
    message = str(err.value)
    assert other.record_id in message and "k1" in message
    assert "gho_" not in message


def test_key_id_in_header_cannot_be_swapped():
    k1, k2 = generate_key("k1"), Key("k2", generate_key().secret)
    vault = Vault(Keyring((k1, k2)))
    token = vault.encrypt(b"x", aad=AAD)
    with pytest.raises(VaultError):
        vault.decrypt(token.replace("v1.k1.", "v1.k2."), aad=AAD)


def test_unknown_key_id_is_a_clear_error():
    old = Vault(Keyring((generate_key("kold"),)))
    token = old.encrypt(b"x", aad=AAD)
    new = Vault(Keyring((generate_key("knew"),)))
    with pytest.raises(UnknownKeyError, match="key kold not in keyring"):
        new.decrypt(token, aad=AAD)


def test_old_keys_decrypt_and_primary_encrypts():
    k_old, k_new = generate_key("kold"), generate_key("knew")
    old_token = Vault(Keyring((k_old,))).encrypt_json(SECRET, aad=AAD)
    vault = Vault(parse_keyring(f"{k_new.entry()}, {k_old.entry()}"))
    assert vault.primary_kid == "knew"
    assert vault.decrypt_json(old_token, aad=AAD) == SECRET
    assert not vault.is_current(old_token)
    fresh = vault.reencrypt(old_token, aad=AAD)
    assert token_kid(fresh) == "knew" and vault.is_current(fresh)
    assert vault.decrypt_json(fresh, aad=AAD) == SECRET


def test_env_format_accepts_both_alphabets_padding_and_newlines():
    raw1, raw2 = b"\xfb" * 32, b"\xff\xfe" * 16
    text = f"\n  a-1:{b64(raw1, urlsafe=False, pad=True)},\n  B_2:{b64(raw2)}\n"
    keyring = parse_keyring(text)
    assert keyring.kids == ("a-1", "B_2")
    assert keyring.primary.secret == raw1 and keyring.get("B_2").secret == raw2
    assert parse_keyring(keyring.to_env()) == keyring


KEY_TEXT = b64(b"\x07" * 32)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "empty"),
        (f"k1:{KEY_TEXT},", "entry 2 is empty"),
        (KEY_TEXT, "no ':'"),
        (f"k.1:{KEY_TEXT}", "invalid key id"),
        (f"{'k' * 41}:{KEY_TEXT}", "invalid key id"),
        (f":{KEY_TEXT}", "invalid key id"),
        (f"k1:{KEY_TEXT[:-3]}!!!", "not valid base64"),
        (f"k1:{b64(b'x' * 16)}", "decodes to 16 bytes"),
        (f"k1:{b64(b'x' * 33)}", "decodes to 33 bytes"),
        (f"k1:{KEY_TEXT},k1:{b64(b'y' * 32)}", "appears more than once"),
        ("k1:" + "A" * 41 + "+-", "mixes the standard and URL-safe"),
    ],
)
def test_env_errors_never_echo_key_material(text, expected):
    with pytest.raises(KeyringError, match=expected) as err:
        parse_keyring(text)
    message = str(err.value)
    for part in text.replace(",", ":").split(":"):
        if len(part) >= 16:  # anything key-like
            assert part.strip() not in message


def test_key_repr_hides_material():
    key = generate_key("k1")
    assert key.encoded() not in repr(key) and key.encoded() not in repr(Keyring((key,)))
    assert str(key.secret) not in repr(key)


def test_associated_data_is_validated():
    with pytest.raises(ValueError):
        AssociatedData("state", "p", "r")
    with pytest.raises(ValueError):
        AssociatedData("a.b", "p|x", "r")
    with pytest.raises(ValueError):
        AssociatedData("a.b", "p", "")


def test_encrypt_json_rejects_non_mappings_and_decrypt_json_non_objects():
    vault = Vault(Keyring((generate_key("k1"),)))
    with pytest.raises(TypeError):
        vault.encrypt_json(["a"], aad=AAD)  # type: ignore[arg-type]
    with pytest.raises(VaultError, match="JSON object"):
        vault.decrypt_json(vault.encrypt(b"[1]", aad=AAD), aad=AAD)


@pytest.mark.parametrize(
    "value, masked",
    [
        ("gho_16charsecretvalue", "gho_..."),
        ("abcdefghijkl", "abcd..."),
        ("short", "REDACTED"),
        ("", "REDACTED"),
    ],
)
def test_mask_secret(value, masked):
    assert mask_secret(value) == masked
