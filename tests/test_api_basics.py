"""Cross-cutting API behaviour: rate limits, error object, OpenAPI, migrations."""

from __future__ import annotations

import tempfile

import httpx
import pytest

from tests.support.app import start_server
from tests.support.errors import assert_error


@pytest.fixture(scope="module")
def limited_server():
    db = f"sqlite:///{tempfile.mkdtemp()}/rl.db"
    threaded, running = start_server(db, rate_limit=5, rate_limit_window_seconds=60)
    yield running
    threaded.stop()


def test_rate_limit_headers_and_429(limited_server):
    a, b = limited_server.new_project(), limited_server.new_project()
    with httpx.Client(base_url=limited_server.url, headers={"x-api-key": a.api_key}) as c:
        remaining = []
        for _ in range(5):
            r = c.get("/api/v3.1/org/project/config")
            assert r.status_code == 200
            assert r.headers["X-RateLimit"] == "5"
            assert r.headers["X-RateLimit-Window-Size"] == "60s"
            remaining.append(int(r.headers["X-RateLimit-Remaining"]))
        assert remaining == [4, 3, 2, 1, 0]
        blocked = c.get("/api/v3.1/org/project/config")
        error = assert_error(blocked, 429, contains="rate limit exceeded")
        assert error["suggested_fix"]
        assert 1 <= int(blocked.headers["Retry-After"]) <= 60
        assert blocked.headers["X-RateLimit-Remaining"] == "0"
    # The limit is per project: another project is unaffected.
    with httpx.Client(base_url=limited_server.url, headers={"x-api-key": b.api_key}) as c:
        assert c.get("/api/v3.1/org/project/config").status_code == 200


def test_sliding_window_limiter_unit():
    from valetkey.api.ratelimit import RateLimiter

    now = [1000.0]
    limiter = RateLimiter(limit=10, window_seconds=10, clock=lambda: now[0])
    assert all(limiter.hit("p").allowed for _ in range(10))
    denied = limiter.hit("p")
    assert not denied.allowed and denied.retry_after >= 1
    # Half a window later, half of the previous window's hits still count.
    now[0] += 15
    decisions = [limiter.hit("p") for _ in range(10)]
    assert sum(d.allowed for d in decisions) == 5
    # Two windows later everything has aged out.
    now[0] += 20
    assert all(limiter.hit("p").allowed for _ in range(10))


def test_disabled_limit_sends_no_headers():
    from valetkey.api.ratelimit import RateLimiter

    assert not RateLimiter(0, 60).enabled


def test_unknown_route_and_method_use_error_object(client):
    assert_error(client.get("/api/v3.1/does-not-exist"), 404)
    assert_error(client.put("/api/v3.1/org/project/config"), 405)


def test_malformed_json_body_is_a_400(client):
    r = client.patch(
        "/api/v3.1/org/project/config", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_error(r, 400)


def test_openapi_document(anon):
    doc = anon.get("/openapi.json").json()
    assert doc["info"]["title"] == "Valetkey"
    assert "/api/v3.1/org/project/config" in doc["paths"]
    # /api/v3 is an alias of /api/v3.1 (same handlers), documented once.
    assert not any(path.startswith("/api/v3/") for path in doc["paths"])


def test_api_v3_is_an_alias_of_v3_1(client):
    v3 = client.get("/api/v3/org/project/config")
    assert v3.status_code == 200 and v3.json() == client.get("/api/v3.1/org/project/config").json()
    assert_error(client.get("/api/v3/no-such-thing"), 404, contains="GET /api/v3/no-such-thing")


def test_migrations_match_models():
    """The single source of schema truth: models and migrations never drift."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from valetkey.migrations.models import import_all_models
    from valetkey.migrations.upgrade import upgrade
    from valetkey.store.db import Base, make_engine

    import_all_models()
    url = f"sqlite:///{tempfile.mkdtemp()}/drift.db"
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == [], f"models changed without a migration: {diff}"


async def test_key_cache_looks_a_key_up_once_for_concurrent_requests():
    import asyncio

    from valetkey.api.auth import KeyCache

    cache, calls = KeyCache(), []

    async def lookup():
        calls.append(1)
        await asyncio.sleep(0.01)
        return "project"

    results = await asyncio.gather(*(cache.resolve("digest", lookup) for _ in range(32)))
    assert results == ["project"] * 32 and len(calls) == 1
    assert await cache.resolve("digest", lookup) == "project" and len(calls) == 1

    async def missing():
        calls.append(1)
        return None

    assert await cache.resolve("unknown", missing) is None
    assert await cache.resolve("unknown", missing) is None
    assert len(calls) == 3  # unknown keys are not cached: a key created later works at once


async def test_a_burst_of_cache_misses_from_one_address_checks_its_wrong_key_count_once():
    """32 requests whose key just left the cache: one blocked-address check, not 32 (a thundering herd
    of database reads that stalled every request once a second under load)."""
    import asyncio
    import threading
    from types import SimpleNamespace

    from starlette.requests import Request

    from valetkey.api.auth import KeyCache, _refuse_blocked_client
    from valetkey.api.ratelimit import LocalCounters, RateLimiter

    reads, gate = [], threading.Event()
    counters = LocalCounters()
    original = counters.count

    def slow_count(key: str, window: int) -> int:
        reads.append(key)
        gate.wait(1)  # a database read that takes a while
        return original(key, window)

    counters.count = slow_count  # type: ignore[method-assign]
    state = SimpleNamespace(
        auth_failures=RateLimiter(10, 60, counters=counters, max_lease=1), key_cache=KeyCache()
    )
    request = Request({"type": "http", "client": ("10.1.2.3", 5000), "headers": []})
    burst = asyncio.gather(*(_refuse_blocked_client(request, state) for _ in range(32)))  # type: ignore[arg-type]
    await asyncio.sleep(0.05)
    gate.set()
    await burst
    assert len(reads) == 2, reads  # one is_blocked: this window's count and the previous one's


async def test_single_flight_shares_results_and_errors_and_survives_a_cancelled_leader():
    import asyncio

    from valetkey.core.single_flight import SingleFlight

    flight: SingleFlight[str, int] = SingleFlight()
    runs = []

    async def work(value: int = 7) -> int:
        runs.append(value)
        await asyncio.sleep(0.02)
        return value

    assert await asyncio.gather(*(flight.run("k", work) for _ in range(10))) == [7] * 10
    assert runs == [7] and not flight.in_flight("k")

    async def failing() -> int:
        runs.append(0)
        await asyncio.sleep(0.01)
        raise LookupError("upstream down")

    results = await asyncio.gather(*(flight.run("e", failing) for _ in range(5)), return_exceptions=True)
    assert all(isinstance(r, LookupError) for r in results) and runs.count(0) == 1

    runs.clear()
    leader = asyncio.create_task(flight.run("c", lambda: work(1)))
    await asyncio.sleep(0.005)
    follower = asyncio.create_task(flight.run("c", lambda: work(2)))
    await asyncio.sleep(0.005)
    leader.cancel()
    assert await follower == 2  # the follower ran the work itself instead of inheriting the cancellation
    assert runs == [1, 2]


def test_limiters_sharing_counters_lease_but_never_exceed_the_limit():
    """Two processes' limiters over one set of counters: leases near the limit shrink to one slot."""
    from valetkey.api.ratelimit import LocalCounters, RateLimiter

    now = [1000.0]
    shared = LocalCounters()
    a, b = (RateLimiter(10_000, 600, clock=lambda: now[0], counters=shared) for _ in range(2))
    allowed = sum((a if i % 3 else b).hit("p").allowed for i in range(12_000))
    assert allowed == 10_000
    assert shared.count("p", int(1000.0 // 600)) == 10_000
    # The counters were asked far less often than once per request (leases), yet the limit is exact.
    calls = []
    counting = LocalCounters()
    original = counting.take
    counting.take = lambda *args: calls.append(args) or original(*args)
    c = RateLimiter(10_000, 600, clock=lambda: now[0], counters=counting)
    assert all(c.hit("q").allowed for _ in range(5_000))
    assert len(calls) < 500, len(calls)


def test_a_refused_key_is_remembered_briefly_and_retry_after_is_honest():
    from valetkey.api.ratelimit import RateLimiter

    now = [1200.0]  # the start of a window
    limiter = RateLimiter(3, 60, clock=lambda: now[0])
    assert [limiter.hit("k").allowed for _ in range(4)] == [True, True, True, False]
    assert limiter.hit_locally("k") is not None  # refused without asking the counters
    now[0] += 2
    denied = limiter.hit("k")
    assert not denied.allowed and denied.retry_after == 58
    assert limiter.is_blocked("k") and not limiter.is_blocked("other")


def test_counter_rows_of_keys_never_seen_again_are_swept():
    """Wrong-key counters are keyed by client address: one-off addresses must not pile up forever."""
    from valetkey.api.ratelimit import SWEEP_SECONDS, LocalCounters, RateLimiter

    now = [6000.0]
    counters = LocalCounters()
    limiter = RateLimiter(5, 60, clock=lambda: now[0], counters=counters)
    for address in range(50):
        limiter.hit(f"badkey:10.0.0.{address}")
    assert len(counters._counts) == 50
    now[0] += max(3 * 60, SWEEP_SECONDS)
    limiter.hit("badkey:10.0.1.1")  # a new key in a new window: the process sweeps
    assert list(counters._counts) == [("badkey:10.0.1.1", int(now[0] // 60))]


def test_fastapi_telemetry_is_on_only_for_the_opentelemetry_signals_an_operator_configured(monkeypatch):
    """Off by default (FastAPI would otherwise ask OpenTelemetry on every request whether a provider
    appeared); on for a signal whose provider is set when the app is built (`opentelemetry-instrument`)."""
    from opentelemetry import trace

    from valetkey.api.app import telemetry_config

    assert telemetry_config() == {"tracing": False, "metrics": False, "logs": False}

    class SdkTracerProvider:  # any provider but the API's stand-in counts as configured
        pass

    monkeypatch.setattr(trace, "get_tracer_provider", SdkTracerProvider)
    assert telemetry_config() == {"tracing": True, "metrics": False, "logs": False}
