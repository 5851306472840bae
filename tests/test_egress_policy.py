"""The egress policy's parts: reading addresses in every spelling, classifying them, the allow-list."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_address
from pathlib import Path

import pytest

from tests.support.app import make_settings
from valetkey.net.addresses import parse_address, parse_ipv4, refusal_reason
from valetkey.net.egress import AllowListError, EgressPolicy, EgressRefused, parse_allow_list
from valetkey.net.headers import forwardable, is_forwardable


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("0X7F.0.0.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("169.254.43518", "169.254.169.254"),
        ("0251.0376.0251.0376", "169.254.169.254"),
        ("0", "0.0.0.0"),
        ("8.8.8.8", "8.8.8.8"),
    ],
)
def test_ipv4_in_every_inet_aton_spelling_means_one_address(text, meant):
    assert parse_ipv4(text) == IPv4Address(meant)
    assert parse_address(text) == IPv4Address(meant)


@pytest.mark.parametrize(
    "text",
    ["256.0.0.1", "1.2.3.4.5", "08.0.0.1", "0x", "1..2", "", "example.com", "127.0.0.1x", "１２７.0.0.1"],
)
def test_what_is_not_an_ipv4_address(text):
    assert parse_ipv4(text) is None


def test_ipv6_with_or_without_brackets_and_names():
    assert parse_address("[::1]") == IPv6Address("::1")
    assert parse_address("::ffff:127.0.0.1") == IPv6Address("::ffff:7f00:1")
    assert parse_address("fe80::1%eth0") == IPv6Address("fe80::1")
    assert parse_address("localhost") is None
    assert parse_address("[::zz]") is None


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.255", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "shared"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "broadcast"),
        ("::", "unspecified"),
        ("::1", "loopback"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("fe80::1", "link-local"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback (IPv4-mapped 127.0.0.1)"),
        ("::ffff:169.254.169.254", "link-local (IPv4-mapped"),
        ("::127.0.0.1", "loopback (IPv4-compatible"),
        ("2002:7f00:1::", "loopback (6to4"),
        ("2002:a00:1::", "private (6to4 10.0.0.1)"),
        ("64:ff9b::127.0.0.1", "loopback (NAT64"),
        ("64:ff9b:1::1", "NAT64"),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback (Teredo"),
    ],
)
def test_addresses_that_are_not_public_are_refused_with_what_they_are(address, kind):
    reason = refusal_reason(ip_address(address))
    assert reason is not None and reason.startswith(kind), reason


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "1.1.1.1", "140.82.112.3", "2606:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses_pass(address):
    assert refusal_reason(ip_address(address)) is None


def test_allow_list_entries_and_ports():
    policy = EgressPolicy(
        parse_allow_list("127.0.0.1:8001, 10.0.0.0/8,[::1]:8002,ghe.internal:443, sandbox.local, [fd00::/8]")
    )
    assert policy.refusal("x", "127.0.0.1", 8001) is None
    assert policy.refusal("x", "127.0.0.1", 8002) == "loopback"  # the entry allows its port only
    assert policy.refusal("x", "::ffff:127.0.0.1", 8001) is None  # the same address, mapped
    assert policy.refusal("x", "10.200.1.1", 5432) is None
    assert policy.refusal("x", "::1", 8002) is None and policy.refusal("x", "::1", 8001) == "loopback"
    assert policy.refusal("GHE.Internal.", "192.168.4.4", 443) is None  # host names: case, trailing dot
    assert policy.refusal("ghe.internal", "192.168.4.4", 80) == "private"
    assert policy.refusal("other.internal", "192.168.4.4", 443) == "private"
    assert policy.refusal("sandbox.local", "127.0.0.1", 1234) is None
    assert policy.refusal("x", "fd00::5", 1) is None
    assert policy.refusal("x", "169.254.169.254", 80) == "link-local"
    assert policy.refusal("x", "93.184.216.34", 80) is None


def test_spelled_out_entries_mean_their_address():
    policy = EgressPolicy(parse_allow_list("0x7f.0.0.1:8001"))
    assert policy.refusal("x", "127.0.0.1", 8001) is None


def test_the_default_denies_everything_not_public():
    policy = EgressPolicy()
    for address in ("127.0.0.1", "::1", "10.0.0.1", "169.254.169.254", "0.0.0.0"):
        assert policy.refusal("h", address, 80) is not None
    with pytest.raises(EgressRefused) as info:
        policy.check("metadata.internal", "169.254.169.254", 80)
    message = str(info.value)
    assert (
        "metadata.internal:80" in message and "link-local" in message and "VALETKEY_EGRESS_ALLOW" in message
    )
    assert "169.254.169.254" not in message  # a name's resolved address is not told to the caller


@pytest.mark.parametrize(
    "raw",
    [
        "127.0.0.1:0",
        "127.0.0.1:65536",
        "127.0.0.1:http",
        "10.0.0.0/33",
        "[::1",
        "[::1]8001",
        "::1:8001:",
        "bad_host!",
        ":80",
        "a/b",
    ],
)
def test_bad_entries_name_the_variable(raw):
    with pytest.raises(AllowListError, match="VALETKEY_EGRESS_ALLOW"):
        parse_allow_list(raw)


def test_bad_entries_stop_the_start(tmp_path: Path):
    from valetkey.api.app import create_app

    settings = make_settings(tmp_path, f"sqlite:///{tmp_path}/v.db", 8000, egress_allow=("127.0.0.1:99999",))
    with pytest.raises(SystemExit, match="VALETKEY_EGRESS_ALLOW"):
        create_app(settings)


def test_the_environment_variable_is_read(monkeypatch):
    from valetkey.core.settings import Settings

    monkeypatch.setenv("VALETKEY_EGRESS_ALLOW", "127.0.0.1:8001, 10.0.0.0/8,,ghe.internal:443")
    settings = Settings.from_env()
    assert settings.egress_allow == ("127.0.0.1:8001", "10.0.0.0/8", "ghe.internal:443")
    assert len(EgressPolicy.from_settings(settings).allow) == 3


def test_upstream_override_targets_are_allowed(tmp_path: Path):
    settings = make_settings(
        tmp_path,
        "sqlite://",
        8000,
        egress_allow=(),
        upstream_overrides=(("https://hn.algolia.com", "http://127.0.0.1:8001/hackernews"),),
    )
    policy = EgressPolicy.from_settings(settings)
    assert policy.refusal("127.0.0.1", "127.0.0.1", 8001) is None
    assert policy.refusal("127.0.0.1", "127.0.0.1", 8002) == "loopback"


def test_caller_headers_the_client_owns():
    for name in (
        "Host",
        "connection",
        "Keep-Alive",
        "Transfer-Encoding",
        "TE",
        "Trailer",
        "Upgrade",
        "Content-Length",
    ):
        assert not is_forwardable(name)
    assert not is_forwardable("Proxy-Authorization") and not is_forwardable("proxy-connection")
    assert forwardable({"Host": "evil", "X-Api-Key": "k", "Accept": "*/*"}) == {
        "X-Api-Key": "k",
        "Accept": "*/*",
    }
