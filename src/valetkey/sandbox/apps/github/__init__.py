"""The GitHub emulator: api.github.com's REST API for the operations the github toolkit uses.

Mounted at ``{sandbox}/github``: the API lives at the root of that prefix
(``{sandbox}/github/repos/{owner}/{repo}/issues``) and GitHub's OAuth web flow
at ``/login/oauth/authorize`` and ``/login/oauth/access_token`` (form-encoded
answers unless ``Accept: application/json``, tokens prefixed ``gho_``, no
expiry or refresh token, comma-separated scopes). A token minted with
`SandboxApp.issue_token` stands in for a personal access token.

Starting state (`state.initial_state`): users ``octocat`` and ``hubot``;
``octocat/Hello-World`` (public, README.md, issue #1) and
``octocat/secret-plans`` (private).

Webhooks (`hooks`): the repository hooks API, and signed deliveries of
``ping``, ``issues``, ``issue_comment``, ``label``, ``push``, ``create``,
``pull_request``, ``star`` and ``watch`` events caused through this API.
"""

from __future__ import annotations

from valetkey.sandbox.emulator import SandboxApp, StateStore
from valetkey.sandbox.oauth2 import OAuth2Provider
from valetkey.sandbox.oauth2_routes import OAuth2Paths, oauth2_routes
from valetkey.sandbox.oauth2_types import OAuth2Config
from valetkey.sandbox.webhooks import Deliveries

from . import git, hooks, issues, pulls, repos, social
from .kit import GitHub
from .state import initial_state, seed

SLUG = "github"


def create_app() -> SandboxApp:
    provider = OAuth2Provider(
        OAuth2Config(
            token_response_format="negotiate",
            token_type="bearer",
            scope_separator=",",
            access_token_lifetime=None,
            issue_refresh_tokens=False,
            access_token_prefix="gho_",
            default_subject="octocat",
        )
    )
    store = StateStore(initial_state)
    # GitHub gives a receiver 10 s to answer and never retries (the deliveries API redelivers).
    deliveries = Deliveries(timeout=10.0, user_agent=hooks.USER_AGENT)
    sender = hooks.HookSender(deliveries, store)
    github = GitHub(store, provider, emitter=sender.emit)
    routes = oauth2_routes(
        provider,
        paths=OAuth2Paths(
            authorize="/login/oauth/authorize", token="/login/oauth/access_token", revoke=None, userinfo=None
        ),
    )
    for module in (social, repos, issues, pulls, git):
        routes += module.routes(github)
    routes += hooks.routes(github, sender)
    return SandboxApp(
        SLUG,
        routes,
        store,
        oauth2=provider,
        seed=seed,
        deliveries=deliveries,
        on_reset=(github.core.reset, github.search.reset),
    )
