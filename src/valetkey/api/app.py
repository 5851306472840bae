"""The FastAPI application: one factory, feature routers mounted once.

The Composio SDK speaks `/api/v3.1`; older clients and the public docs use
`/api/v3`. Both prefixes serve the same handlers: routes live under
`/api/v3.1`, and `ApiVersionAlias` maps `/api/v3/...` onto them before
routing, so every request matches against one route table, not two.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from fastapi.telemetry import TelemetryConfig
from sqlalchemy import text

import valetkey
from valetkey.api.errors import install_error_handlers
from valetkey.api.fast_routes import ExecuteFastPath
from valetkey.api.id_aliases import IdAliases
from valetkey.api.limits import edge_limits
from valetkey.api.middleware import ApiVersionAlias, EdgeGuard, RequestContextMiddleware
from valetkey.api.ratelimit import RateLimiter
from valetkey.api.responses import HEALTH_RESPONSES, tidy_openapi
from valetkey.api.state import AppState
from valetkey.core.log_setup import configure_logging
from valetkey.core.settings import Settings
from valetkey.migrations.upgrade import upgrade
from valetkey.net.egress import EgressPolicy
from valetkey.store.db import Database, ensure_private_dir
from valetkey.tenancy.rate_counters import DatabaseCounters

API_PREFIX = "/api/v3.1"


def feature_routers() -> list[APIRouter]:
    from valetkey.api.routers.account_actions import router as account_actions
    from valetkey.api.routers.catalog import router as catalog
    from valetkey.api.routers.cloud_only import router as cloud_only
    from valetkey.api.routers.connections import router as auth
    from valetkey.api.routers.custom_toolkits import router as custom_toolkits
    from valetkey.api.routers.execution import router as execution
    from valetkey.api.routers.files import router as files
    from valetkey.api.routers.files_list import router as files_list
    from valetkey.api.routers.mcp_servers import router as mcp
    from valetkey.api.routers.session_files import router as session_files
    from valetkey.api.routers.session_list import router as session_list
    from valetkey.api.routers.sessions import router as sessions
    from valetkey.api.routers.tenancy import router as tenancy
    from valetkey.api.routers.tool_input import router as tool_input
    from valetkey.api.routers.toolkit_scopes import router as toolkit_scopes
    from valetkey.api.routers.triggers import router as triggers
    from valetkey.api.routers.usage import router as usage
    from valetkey.api.routers.webhooks import router as webhooks

    # sessions before catalog and execution: it serves /tools/COMPOSIO_* and /tools/execute/COMPOSIO_*.
    # account_actions before auth: POST /connected_accounts/complete_auth is not an account id.
    return [
        tenancy,
        session_list,
        sessions,
        session_files,
        catalog,
        toolkit_scopes,
        tool_input,
        execution,
        account_actions,
        auth,
        files_list,
        files,
        mcp,
        custom_toolkits,
        usage,
        webhooks,
        triggers,
        cloud_only,
    ]


def project_catalogs(catalog: Any, db: Database) -> Any:
    """Each project's catalog view: the global catalog plus its custom toolkits (`catalog.overlay`)."""
    from valetkey.catalog.overlay import ProjectCatalogs
    from valetkey.customkits import store

    def stamp_of(project_id: str) -> Any:
        with db.session() as session:
            return store.stamp(session, project_id)

    def load(project_id: str) -> Any:
        with db.session() as session:
            return store.catalog_toolkits(session, project_id)

    return ProjectCatalogs(catalog, stamp_of, load)


def build_state(settings: Settings) -> AppState:
    """Every part of one server, built once: nothing is created later on first use."""
    from valetkey.api.auth import KeyCache
    from valetkey.catalog.registry import load_catalog
    from valetkey.catalog.sandbox_routes import sandbox_routes
    from valetkey.connections.managed import MANAGED_AUTH_FILENAME, ManagedApps
    from valetkey.connections.oauth2_client import token_client
    from valetkey.execution.log_journal import Journal, journal_directory
    from valetkey.execution.logs import LogWriter
    from valetkey.execution.reroute import ReroutingClient
    from valetkey.files.access import file_service
    from valetkey.net.upstream import UpstreamClient, UpstreamTransport
    from valetkey.vault import vault_from_settings
    from valetkey.webhooks.egress import webhook_policy

    catalog = load_catalog(settings.catalog_dirs, cache_dir=settings.catalog_cache)
    if settings.sandbox_url:  # VALETKEY_SANDBOX_URL: the operator's overrides first, then every toolkit's
        routes = sandbox_routes(catalog.toolkits.values(), settings.sandbox_url)
        settings = settings.model_copy(update={"upstream_overrides": settings.upstream_overrides + routes})
    egress = EgressPolicy.from_settings(settings)  # a bad VALETKEY_EGRESS_ALLOW stops the start here
    http: UpstreamTransport = UpstreamClient(timeout=settings.upstream_timeout, egress=egress)
    # Provider registrations (GitHub hooks...) under the webhook egress policy (VALETKEY_WEBHOOK_ALLOW_PRIVATE).
    trigger_http: UpstreamTransport = UpstreamClient(
        timeout=settings.upstream_timeout, egress=webhook_policy(egress, settings)
    )
    if settings.upstream_overrides:  # VALETKEY_UPSTREAM_OVERRIDES (execution/reroute.py)
        http = ReroutingClient(http, settings.upstream_overrides)
        trigger_http = ReroutingClient(trigger_http, settings.upstream_overrides)
    db = Database(settings.database_url)
    counters = DatabaseCounters(db)  # limits hold across every process on this database
    return AppState(
        settings=settings,
        db=db,
        limiter=RateLimiter(settings.rate_limit, settings.rate_limit_window_seconds, counters=counters),
        auth_failures=RateLimiter(
            settings.auth_failure_limit, settings.auth_failure_window_seconds, counters=counters, max_lease=1
        ),
        login_failures=RateLimiter(
            settings.dashboard_login_limit,
            settings.dashboard_login_window_seconds,
            counters=counters,
            max_lease=1,
        ),
        egress=egress,
        catalog=catalog,
        catalogs=project_catalogs(catalog, db),
        vault=vault_from_settings(settings),
        http=http,
        trigger_http=trigger_http,
        oauth_http=token_client(egress, settings.upstream_timeout),
        files=file_service(settings),
        managed_apps=ManagedApps(settings.home / MANAGED_AUTH_FILENAME),
        log_writer=LogWriter(db, Journal(journal_directory(settings.home, settings.database_url))),
        key_cache=KeyCache(),
        ingress_limiter=RateLimiter(
            settings.ingress_rate_limit, settings.ingress_rate_limit_window_seconds, counters=counters
        ),
    )


def create_app(settings: Settings | None = None, *, migrate: bool = True) -> FastAPI:
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level)
    ensure_private_dir(settings.home)
    if migrate:
        upgrade(settings.database_url)

    from valetkey.search import index_for

    state = build_state(settings)
    index_for(state.catalog)  # build the search index now, not on the first search

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from valetkey.connections import refresh_job
        from valetkey.connections.oauth2_client import token_client
        from valetkey.triggers.polling import PollScheduler
        from valetkey.webhooks.delivery import DeliveryWorker

        refresher = refresh_job.start(state)
        deliveries = DeliveryWorker(state.db, state.vault, state.egress, settings)
        deliveries.start()
        polls = PollScheduler(state)
        polls.start()
        scalekit = None
        if settings.scalekit_listen and settings.tls_cert and settings.tls_key:
            # The Scalekit SDK's origin (token endpoint, proxy, gRPC) on its own TLS listener.
            from valetkey.api.scalekit.origin import ScalekitOrigin

            scalekit = ScalekitOrigin(state, settings.scalekit_listen, settings.tls_cert, settings.tls_key)
            await scalekit.start()
        try:
            yield
        finally:
            if scalekit is not None:
                await scalekit.stop()
            from valetkey.sessions.workbench.pool import stop_all as stop_workbenches

            await stop_workbenches(state)
            await polls.stop()
            await deliveries.stop()
            await refresh_job.stop(refresher)
            await state.http.aclose()
            await state.trigger_http.aclose()
            state.oauth_http.close()
            # A closed httpx client cannot reopen: a new one for a lifespan run again (tests do).
            state.oauth_http = token_client(state.egress, settings.upstream_timeout)
            state.db.dispose()

    app_telemetry = telemetry_config()
    app = FastAPI(
        title="Valetkey",
        version=valetkey.__version__,
        description="Self-hosted tool platform for AI agents, compatible with the Composio v3 REST API.",
        lifespan=lifespan,
        telemetry=app_telemetry,
    )
    app.state.valetkey = state
    install_error_handlers(app)
    # Innermost: the execute route served before FastAPI's router (api/fast_routes.py), after the id aliases.
    app.add_middleware(ExecuteFastPath, api_prefix=API_PREFIX, enabled=not any(app_telemetry.values()))
    # Then: source ids of imported resources become their ids here, for every route.
    app.add_middleware(IdAliases)
    # Innermost of the three: the guard's answers carry the request id, and it sees /api/v3.1 paths.
    app.add_middleware(EdgeGuard, limits=edge_limits(settings, API_PREFIX))
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(ApiVersionAlias, legacy="/api/v3/", current=API_PREFIX + "/")

    @app.get("/health", tags=["health"], responses=HEALTH_RESPONSES)
    def health() -> Any:
        try:
            with state.db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
        return {"status": "ok", "version": valetkey.__version__}

    for router in feature_routers():
        app.include_router(router, prefix=API_PREFIX)
    from valetkey.api.routers.link_pages import router as link_pages
    from valetkey.web import log_redaction

    log_redaction.install()

    # End-user pages (hosted Connect Links) live at the root of VALETKEY_PUBLIC_URL, outside the API.
    app.include_router(link_pages)
    # The operator dashboard (server-rendered pages at /dashboard).
    from valetkey.api.routers.dashboard_pages import dashboard_routers

    for router in dashboard_routers():
        app.include_router(router)
    # MCP endpoints (streamable HTTP) at the root of VALETKEY_PUBLIC_URL; the router's lifespan runs the MCP SDK's
    # session manager inside the app's, so it is included once.
    from valetkey.api.routers.mcp_endpoint import router as mcp_endpoints

    app.include_router(mcp_endpoints)
    tidy_openapi(app)
    return app


# The OpenTelemetry API's stand-ins for a provider nobody has set (FastAPI's own test, by class).
_UNSET_PROVIDERS = frozenset(
    {
        ("opentelemetry.trace", "ProxyTracerProvider"),
        ("opentelemetry.metrics._internal", "_ProxyMeterProvider"),
        ("opentelemetry._logs._internal", "ProxyLoggerProvider"),
    }
)


def telemetry_config() -> TelemetryConfig:
    """FastAPI's OpenTelemetry instrumentation: on for each signal whose global provider is set when the
    app is built (as `opentelemetry-instrument valetkey serve` sets them), off for the others.

    Left to its default, FastAPI asks the OpenTelemetry API on every request whether a provider has been
    set since, which reads the environment three times: a few percent of an execution's cost.
    """
    from opentelemetry import _logs, metrics, trace

    def is_set(provider: object) -> bool:
        return (type(provider).__module__, type(provider).__name__) not in _UNSET_PROVIDERS

    return {
        "tracing": is_set(trace.get_tracer_provider()),
        "metrics": is_set(metrics.get_meter_provider()),
        "logs": is_set(_logs.get_logger_provider()),
    }
