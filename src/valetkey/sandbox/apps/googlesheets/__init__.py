"""The Google Sheets emulator: Sheets API v4 for the operations the googlesheets toolkit uses.

Mounted at ``{sandbox}/googlesheets``: the API at ``/v4/spreadsheets/...``
(``https://sheets.googleapis.com/v4`` on Google), Google's OAuth at
``/o/oauth2/v2/auth`` and ``/token`` (`apps._google`). Spreadsheets start
empty; each is visible to the user who created it.
"""

from __future__ import annotations

from valetkey.sandbox.apps._google import GoogleApi, GoogleOAuth2Provider, google_oauth_routes
from valetkey.sandbox.emulator import SandboxApp, StateStore

from . import spreadsheets, values
from .state import initial_state, seed

SLUG = "googlesheets"


def create_app() -> SandboxApp:
    provider = GoogleOAuth2Provider()
    store = StateStore(initial_state)
    api = GoogleApi(store, provider, "sheets.googleapis.com")
    routes = google_oauth_routes(provider) + spreadsheets.routes(api) + values.routes(api)
    return SandboxApp(SLUG, routes, store, oauth2=provider, seed=seed, on_reset=(api.quota.reset,))
