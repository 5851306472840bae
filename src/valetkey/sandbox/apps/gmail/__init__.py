"""The Gmail emulator: gmail.googleapis.com's REST API for the operations the gmail toolkit uses.

Mounted at ``{sandbox}/gmail``: the API at ``/gmail/v1/users/{userId}/...``
(as on ``https://gmail.googleapis.com``) and Google's OAuth endpoints at
their real paths (``/o/oauth2/v2/auth``, ``/token``, ``/revoke``: see
`valetkey.sandbox.apps._google`). Each OAuth subject has a mailbox at
`google_email(subject)`; mail sent to another sandbox mailbox lands in its
inbox. Sent raw MIME is parsed with Python's `email` package, so a sent
message appears in SENT with its headers, body and attachments.

Starting state (`state.initial_state`): mailboxes for alice@example.com (the
default user: a welcome mail from Bob with ``agenda.txt`` attached, unread,
and a newsletter), bob@example.com and carol@example.com.

History (`history`): every change to a mailbox gets a history id and a record,
so ``users.getProfile``'s ``historyId`` and ``users.history.list`` serve the
polling a Gmail trigger does. Mail arrives from outside with ``POST
/_sandbox/gmail/seed`` (``{"user"?, "messages": [{"from", "to", "subject",
"body", ...}]}``) or from another sandbox mailbox with ``messages.send``.
"""

from __future__ import annotations

from valetkey.sandbox.apps._google import GoogleApi, GoogleOAuth2Provider, google_oauth_routes
from valetkey.sandbox.emulator import SandboxApp, StateStore

from . import drafts, history, labels, messages, threads
from .state import initial_state, seed

SLUG = "gmail"


def create_app() -> SandboxApp:
    provider = GoogleOAuth2Provider()
    store = StateStore(initial_state)
    api = GoogleApi(store, provider, "gmail.googleapis.com")
    routes = google_oauth_routes(provider)
    for module in (messages, threads, drafts, labels, history):
        routes += module.routes(api)
    return SandboxApp(
        SLUG,
        routes,
        store,
        oauth2=provider,
        seed=seed,
        admin_routes=history.admin_routes(store),
        on_reset=(api.quota.reset,),
    )
