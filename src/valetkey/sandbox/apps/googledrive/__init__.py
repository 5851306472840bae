"""The Google Drive emulator: Drive API v3 for the operations the googledrive toolkit uses.

Mounted at ``{sandbox}/googledrive``: the API at ``/drive/v3/...`` and media
uploads at ``/upload/drive/v3/files`` (Google's ``www.googleapis.com`` paths),
Google's OAuth at ``/o/oauth2/v2/auth`` and ``/token`` (`apps._google`).
Starting state: bob@example.com owns the Google Doc "Shared plans" and
shared it with alice@example.com (reader); every other user starts with an
empty My Drive.

Changes (`changes`): every create, edit, share, trash and delete is logged, so
``changes.getStartPageToken`` and ``changes.list`` serve a poller as on Drive.
"""

from __future__ import annotations

from valetkey.sandbox.apps._google import GoogleApi, GoogleOAuth2Provider, google_oauth_routes
from valetkey.sandbox.emulator import SandboxApp, StateStore

from . import changes, files, permissions
from .state import initial_state, seed

SLUG = "googledrive"


def create_app() -> SandboxApp:
    provider = GoogleOAuth2Provider()
    store = StateStore(initial_state)
    api = GoogleApi(store, provider, "drive.googleapis.com")
    routes = google_oauth_routes(provider) + files.routes(api) + permissions.routes(api) + changes.routes(api)
    return SandboxApp(SLUG, routes, store, oauth2=provider, seed=seed, on_reset=(api.quota.reset,))
