"""The Slack emulator: the Slack Web API for the methods the slack toolkit uses.

Mounted at ``{sandbox}/slack``: methods at ``/api/<method>`` (the toolkit's
base URL is ``https://slack.com/api``), OAuth v2 at ``/oauth/v2/authorize``
and ``/api/oauth.v2.access``. Bot tokens start ``xoxb-``, user tokens
``xoxp-``; neither expires. `SandboxApp.issue_token` mints a bot token (a
pasted token of the BEARER_TOKEN scheme); the OAuth flow with `user_scope`
gives a user token acting as the member who signed in (default ``alice``).

Starting state (`state.initial_state`): members alice, bob, a deactivated
carol and the bot valetbot; #general (with a thread), #random and the
private #leads (bob only).

Events API (`events`): the app's Request URL and signing secret are set with
``PUT /_sandbox/slack/events`` (Slack's ``url_verification`` handshake first);
then messages, reactions and new channels are POSTed as signed ``event_callback``s.
"""

from __future__ import annotations

from starlette.routing import Route

from valetkey.sandbox.emulator import SandboxApp, StateStore
from valetkey.sandbox.oauth2 import OAuth2Provider
from valetkey.sandbox.oauth2_types import OAuth2Config
from valetkey.sandbox.webhooks import Deliveries

from . import channels, events, messages, people
from .kit import Slack
from .oauth import oauth_routes
from .state import initial_state, seed

SLUG = "slack"


def _provider(prefix: str) -> OAuth2Provider:
    return OAuth2Provider(
        OAuth2Config(
            access_token_lifetime=None,
            issue_refresh_tokens=False,
            scope_separator=",",
            token_type="bot",
            access_token_prefix=prefix,
            default_subject="alice",
        )
    )


def create_app() -> SandboxApp:
    store = StateStore(initial_state)
    # Slack gives the Request URL 3 s to answer (`events`).
    deliveries = Deliveries(timeout=events.TIMEOUT, user_agent=events.USER_AGENT)
    sandbox_events = events.SlackEvents(deliveries, store)
    slack = Slack(store, bots=_provider("xoxb-"), users=_provider("xoxp-"), emitter=sandbox_events.emit)
    for module in (messages, channels, people):
        slack.methods.update(module.METHODS)
    routes = oauth_routes(slack) + [Route("/api/{method}", slack.endpoint, methods=["GET", "POST"])]
    return SandboxApp(
        SLUG,
        routes,
        store,
        oauth2=slack.bots,
        seed=seed,
        deliveries=deliveries,
        admin_routes=sandbox_events.admin_routes(),
        on_reset=(slack.reset,),
    )
