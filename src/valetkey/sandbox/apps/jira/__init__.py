"""The Jira emulator: a Jira Cloud site's REST API v3 for the operations the jira toolkit uses.

Mounted at ``{sandbox}/jira``: the API at ``/rest/api/3/...`` below it (as on
``https://your-domain.atlassian.net``) and Atlassian's OAuth 2.0 (3LO)
endpoints at their real paths (``auth.atlassian.com/authorize`` and
``/oauth/token`` → ``{sandbox}/jira/authorize``, ``{sandbox}/jira/oauth/token``;
access tokens expire in an hour, rotating refresh tokens). A token minted with
`SandboxApp.issue_token` (subject: an account id) stands in for an API token:
Basic auth with that user's email and the token works as on a real site.

Starting state (`state.initial_state`): users Ada Lovelace (the default
account), Grace Hopper and Alan Turing; projects KAN (software) and OPS
(business); issues KAN-1, KAN-2 (a bug in progress, one comment) and OPS-1.
Issue text is Atlassian Document Format; search takes a JQL subset (`jql`).
"""

from __future__ import annotations

from valetkey.sandbox.emulator import SandboxApp, StateStore
from valetkey.sandbox.oauth2 import OAuth2Provider
from valetkey.sandbox.oauth2_routes import OAuth2Paths, oauth2_routes
from valetkey.sandbox.oauth2_types import OAuth2Config

from . import comments, directory, issues
from .kit import Jira
from .state import ADA, initial_state, seed

SLUG = "jira"


def create_app() -> SandboxApp:
    provider = OAuth2Provider(OAuth2Config(default_subject=ADA, access_token_lifetime=3600.0))
    store = StateStore(initial_state)
    jira = Jira(store, provider)
    routes = oauth2_routes(
        provider, paths=OAuth2Paths(authorize="/authorize", token="/oauth/token", revoke=None, userinfo=None)
    )
    routes += issues.routes(jira) + comments.routes(jira) + directory.routes(jira)
    return SandboxApp(SLUG, routes, store, oauth2=provider, seed=seed)
