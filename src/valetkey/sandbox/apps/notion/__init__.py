"""The Notion emulator: the Notion API (version 2025-09-03) for the operations the notion toolkit uses.

Mounted at ``{sandbox}/notion``: the API at ``/v1/...`` (the toolkit's base URL
is ``https://api.notion.com/v1``), OAuth at ``/v1/oauth/authorize`` and
``/v1/oauth/token``. Tokens (``ntn_...``) never expire; refresh tokens are
issued as Notion does since 2025. `SandboxApp.issue_token` stands in for an
internal integration secret.

Starting state (`state.initial_state`): members Ada (the default login) and
Grace, the integration's bot; a "Projects" page holding a paragraph and the
"Tasks" database (one data source: Name, Status, Priority, Done, Due, Notes)
with two tasks.
"""

from __future__ import annotations

from valetkey.sandbox.emulator import SandboxApp, StateStore
from valetkey.sandbox.oauth2 import OAuth2Provider
from valetkey.sandbox.oauth2_types import OAuth2Config

from . import blocks, pages
from .kit import Notion
from .oauth import oauth_routes
from .state import initial_state, seed

SLUG = "notion"


def create_app() -> SandboxApp:
    provider = OAuth2Provider(
        OAuth2Config(
            access_token_lifetime=None,
            token_type="bearer",
            access_token_prefix="ntn_",
            client_auth_methods=("client_secret_basic",),
            default_subject="ada",
        )
    )
    store = StateStore(initial_state)
    notion = Notion(store, provider)
    routes = oauth_routes(notion) + pages.routes(notion) + blocks.routes(notion)
    return SandboxApp(SLUG, routes, store, oauth2=provider, seed=seed, on_reset=(notion.reset,))
