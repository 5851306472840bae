"""What every Gmail route shares: scopes per operation, the caller's mailbox, lookups, sending.

Scopes are the ones the Gmail discovery document lists per method: a token
needs any one of them. ``userId`` is ``me`` or the caller's own address;
another address is 403 ``Delegation denied``, as Gmail answers.
"""

from __future__ import annotations

from valetkey.sandbox.apps._google import GoogleCall, GoogleError, invalid, not_found

from . import mime
from .state import FIXED_LABELS, GmailState, Mailbox, StoredMessage

API = "/gmail/v1/users/{userId}"
AUTH = "https://www.googleapis.com/auth/"
FULL = "https://mail.google.com/"
MODIFY, READONLY, METADATA = AUTH + "gmail.modify", AUTH + "gmail.readonly", AUTH + "gmail.metadata"
COMPOSE, SEND, LABELS = AUTH + "gmail.compose", AUTH + "gmail.send", AUTH + "gmail.labels"

READ = (FULL, MODIFY, READONLY, METADATA)
READ_BODIES = (FULL, MODIFY, READONLY)
WRITE = (FULL, MODIFY)
SENDING = (FULL, MODIFY, COMPOSE, SEND)
DRAFTING = (FULL, MODIFY, COMPOSE)
DRAFT_READ = (FULL, MODIFY, COMPOSE, READONLY)
LABEL_WRITE = (FULL, MODIFY, LABELS)
LABEL_READ = (FULL, MODIFY, LABELS, READONLY, METADATA)
PROFILE = (FULL, MODIFY, COMPOSE, READONLY, METADATA)
DELETE = (FULL,)


def mailbox(call: GoogleCall) -> Mailbox:
    state: GmailState = call.state
    user = call.params.get("userId", "me")
    if user != "me" and user.lower() != call.email.lower():
        raise GoogleError(403, f"Delegation denied for {call.email}", reason="forbidden")
    return state.mailbox(call.email)


def message_of(box: Mailbox, message_id: str) -> StoredMessage:
    found = box.messages.get(message_id)
    if found is None:
        raise not_found()
    return found


def message_format(call: GoogleCall) -> str:
    value = call.query("format", "full")
    if value not in ("full", "metadata", "minimal", "raw"):
        raise GoogleError(
            400,
            f"Invalid value at 'format' (type.googleapis.com/gmail.v1.Format), \"{value}\"",
            location="format",
        )
    return value


def page_size(call: GoogleCall) -> int:
    return call.integer("maxResults", 100, 500)


def check_labels(box: Mailbox, label_ids: list, *, adding: bool) -> list[str]:
    """Label ids a modify request may apply; an unknown or system-managed one is a 400."""
    if not isinstance(label_ids, list) or not all(isinstance(i, str) for i in label_ids):
        raise invalid("Invalid JSON payload received. Label ids must be strings.")
    for label_id in label_ids:
        if label_id not in box.labels or (adding and label_id in FIXED_LABELS):
            raise invalid(f"Invalid label: {label_id}")
    return label_ids


def label_changes(box: Mailbox, body: dict) -> tuple[list[str], list[str]]:
    """(add, remove) of a modify request; neither is a 400, as Gmail answers."""
    add = check_labels(box, body.get("addLabelIds") or [], adding=True)
    remove = check_labels(box, body.get("removeLabelIds") or [], adding=False)
    if not add and not remove:
        raise invalid("No label add or removes specified")
    return add, remove


def decode_raw(raw: object) -> bytes:
    if not isinstance(raw, str) or not raw:
        raise invalid("'raw' RFC822 payload message string or uploading message via /upload/* URL required")
    try:
        return mime.from_b64url(raw)
    except ValueError as exc:
        raise invalid("Invalid value for ByteString: raw") from exc


def send(state: GmailState, box: Mailbox, raw: bytes, thread_id: str | None) -> StoredMessage:
    """File a message in SENT (threading it), deliver copies to sandbox recipients, return it."""
    parsed = mime.parse(raw)
    if not mime.recipients(parsed):
        raise invalid("Recipient address required")
    sent = state.store(box, mime.prepare_outgoing(raw, box.email), ["SENT"], thread_id=thread_id)
    state.deliver(box, sent)
    return sent
