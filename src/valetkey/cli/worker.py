"""`valetkey worker`: webhook delivery and trigger polling in a process of their own.

Every `valetkey serve` process runs the same workers in its lifespan; a
dedicated worker adds capacity (or keeps the work going while API processes
restart). Any number of them may run against one PostgreSQL database: row
leases keep them from making one delivery attempt or one poll twice at once.
"""

from __future__ import annotations

import asyncio
import signal

import typer
from rich.console import Console

from valetkey.core.settings import Settings

console = Console(stderr=True)


async def run_workers(settings: Settings, stop: asyncio.Event) -> None:
    from valetkey.api.app import build_state
    from valetkey.connections import refresh_job
    from valetkey.triggers.polling import PollScheduler
    from valetkey.webhooks.delivery import DeliveryWorker

    state = build_state(settings)
    deliveries = DeliveryWorker(state.db, state.vault, state.egress, settings)
    polls = PollScheduler(state)
    refresher = refresh_job.start(state)
    deliveries.start()
    polls.start()
    try:
        await stop.wait()
    finally:
        await polls.stop()
        await deliveries.stop()
        await refresh_job.stop(refresher)
        await state.http.aclose()
        await state.trigger_http.aclose()
        state.oauth_http.close()
        state.db.dispose()


def worker() -> None:
    """Deliver webhooks and poll triggers (no HTTP server); stops on SIGINT or SIGTERM."""
    from valetkey.core.log_setup import configure_logging
    from valetkey.migrations.upgrade import upgrade
    from valetkey.store.db import ensure_private_dir

    settings = Settings.from_env()
    configure_logging(settings.log_level)
    ensure_private_dir(settings.home)
    upgrade(settings.database_url)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        console.print("valetkey worker: delivering webhooks and polling triggers")
        await run_workers(settings, stop)

    asyncio.run(main())


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
