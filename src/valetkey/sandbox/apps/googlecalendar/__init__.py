"""The Google Calendar emulator: Calendar API v3 for the operations the googlecalendar toolkit uses.

Mounted at ``{sandbox}/googlecalendar``: the API at ``/calendar/v3/...``
(``https://www.googleapis.com/calendar/v3`` on Google) and Google's OAuth at
``/o/oauth2/v2/auth`` and ``/token`` (shared with the other Google emulators,
see `apps._google`). Any token subject is a user whose primary calendar id is
their email. Starting state: bob@example.com, whose primary calendar has a
meeting on 2025-03-03 13:00-14:00 UTC (visible through free/busy).

Incremental sync: the last page of ``events.list`` carries ``nextSyncToken``;
``syncToken=`` then lists only the events changed since (cancelled ones
included, moved-away ones as cancelled), and an unusable token is 410
``fullSyncRequired``. ``POST /_sandbox/googlecalendar/sync/expire`` makes every
token issued so far unusable.
"""

from __future__ import annotations

from valetkey.sandbox.apps._google import GoogleApi, GoogleOAuth2Provider, google_oauth_routes
from valetkey.sandbox.emulator import SandboxApp, StateStore

from . import calendars, events
from .state import initial_state, seed

SLUG = "googlecalendar"


def create_app() -> SandboxApp:
    provider = GoogleOAuth2Provider()
    store = StateStore(initial_state)
    api = GoogleApi(store, provider, "calendar-json.googleapis.com")
    routes = google_oauth_routes(provider) + calendars.routes(api) + events.routes(api)
    return SandboxApp(
        SLUG,
        routes,
        store,
        oauth2=provider,
        seed=seed,
        admin_routes=events.admin_routes(store),
        on_reset=(api.quota.reset,),
    )
