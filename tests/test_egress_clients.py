"""The two guarded HTTP clients against real loopback sockets: what is checked is what is connected to."""

from __future__ import annotations

import asyncio
import socket
import threading

import pytest

from tests.support.listeners import twin_listeners
from valetkey.net.aio import GuardedResolver
from valetkey.net.egress import EgressPolicy, EgressRefused, parse_allow_list
from valetkey.net.request import UpstreamRequest
from valetkey.net.sync import guarded_client
from valetkey.net.upstream import UpstreamClient


@pytest.fixture
def twins():
    allowed, refused = twin_listeners("127.0.0.2", "127.0.0.3")
    yield allowed, refused
    allowed.close()
    refused.close()


def rebinding_getaddrinfo(*answers: str):
    """A getaddrinfo that answers each call with the next address (the last one repeats)."""
    calls = []

    def resolve(host, port, *args, **kwargs):
        calls.append(host)
        address = answers[min(len(calls), len(answers)) - 1]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    return resolve, calls


def test_token_client_connects_to_the_address_it_checked(twins):
    allowed, refused = twins
    policy = EgressPolicy(parse_allow_list(f"127.0.0.2:{allowed.port}"))
    resolve, calls = rebinding_getaddrinfo("127.0.0.2", "127.0.0.3")
    with guarded_client(policy, timeout=5, resolve=resolve) as client:
        assert client.post(f"http://rebind.test:{allowed.port}/token").status_code == 200
        assert (allowed.hits, refused.hits, len(calls)) == (1, 0, 1)
        with pytest.raises(EgressRefused, match="loopback"):  # the rebound answer, judged at connect
            client.post(f"http://rebind.test:{allowed.port}/token")
    assert refused.hits == 0


def test_token_client_skips_refused_addresses_of_a_mixed_answer(twins):
    allowed, refused = twins
    policy = EgressPolicy(parse_allow_list(f"127.0.0.2:{allowed.port}"))

    def mixed(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in ("127.0.0.3", "127.0.0.2")]

    with guarded_client(policy, timeout=5, resolve=mixed) as client:
        assert client.get(f"http://mixed.test:{allowed.port}/").status_code == 200
    assert (allowed.hits, refused.hits) == (1, 0)


@pytest.mark.parametrize("host", ["127.0.0.3", "2130706433", "0x7f.0.0.3", "[::ffff:127.0.0.3]", "localhost"])
def test_token_client_refuses_literals_and_localhost(twins, host):
    _, refused = twins
    with guarded_client(EgressPolicy(), timeout=5) as client, pytest.raises(EgressRefused):
        client.get(f"http://{host}:{refused.port}/")
    assert refused.hits == 0


class SequenceResolver:
    """An aiohttp resolver answering each call with the next address (the last one repeats)."""

    def __init__(self, *answers: str):
        self.answers, self.calls = answers, 0

    async def resolve(self, host, port=0, family=socket.AF_INET):
        self.calls += 1
        address = self.answers[min(self.calls, len(self.answers)) - 1]
        return [
            {
                "hostname": host,
                "host": address,
                "port": port,
                "family": socket.AF_INET,
                "proto": 0,
                "flags": 0,
            }
        ]

    async def close(self):
        pass


def test_upstream_client_connects_to_the_address_it_checked(twins):
    allowed, refused = twins
    policy = EgressPolicy(parse_allow_list(f"127.0.0.2:{allowed.port}"))
    resolver = SequenceResolver("127.0.0.2", "127.0.0.3")

    async def scenario():
        request = UpstreamRequest("GET", f"http://rebind.test:{allowed.port}/x", {})
        first = UpstreamClient(timeout=5, egress=policy, resolver=resolver)
        ok = await first.send(request)
        await first.aclose()
        second = UpstreamClient(timeout=5, egress=policy, resolver=resolver)  # a new pool resolves again
        refused_outcome = await second.send(request)
        await second.aclose()
        return ok, refused_outcome

    ok, refused_outcome = asyncio.run(scenario())
    assert ok.status == 200 and resolver.calls == 2
    assert refused_outcome.failure == "refused" and "VALETKEY_EGRESS_ALLOW" in refused_outcome.message
    assert (allowed.hits, refused.hits) == (1, 0)


def test_upstream_client_sends_no_caller_host_or_framing_headers():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    port = sock.getsockname()[1]
    seen: list[bytes] = []

    def answer_once():
        conn, _ = sock.accept()
        seen.append(conn.recv(65536))
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        conn.close()

    threading.Thread(target=answer_once, daemon=True).start()
    policy = EgressPolicy(parse_allow_list(f"127.0.0.1:{port}"))
    headers = {"Host": "evil.test", "Transfer-Encoding": "chunked", "Connection": "upgrade", "X-Ok": "1"}

    async def scenario():
        client = UpstreamClient(timeout=5, egress=policy)
        outcome = await client.send(UpstreamRequest("GET", f"http://127.0.0.1:{port}/h", headers))
        await client.aclose()
        return outcome

    assert asyncio.run(scenario()).status == 200
    sock.close()
    head = seen[0].decode().lower()
    assert f"host: 127.0.0.1:{port}" in head and "evil.test" not in head
    assert "transfer-encoding" not in head and "upgrade" not in head and "x-ok: 1" in head


def test_guarded_resolver_refuses_when_nothing_is_left():
    async def scenario():
        resolver = GuardedResolver(EgressPolicy(), SequenceResolver("10.0.0.1"))
        with pytest.raises(EgressRefused, match="private"):
            await resolver.resolve("intranet.test", 443)

    asyncio.run(scenario())
