"""RFC 822 messages from tool arguments, as Gmail's ``messages.send`` and ``drafts.create`` take them.

Gmail wants the whole message, base64url-encoded, in ``raw``; it fills in
``From``, ``Date`` and ``Message-ID`` itself. `build_raw` writes a plain or
HTML body (with a plain-text alternative for HTML), adds attachments given as
``{"name", "mimetype", "content"}`` with base64 content, and sets the reply
headers (``In-Reply-To``/``References``) that thread a reply.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from valetkey.execution.handlers import ToolError


@dataclass
class Draft:
    """What a message is made of, before it becomes bytes."""

    to: list[str]
    subject: str = ""
    body: str = ""
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    is_html: bool = False
    attachments: list[dict[str, Any]] = field(default_factory=list)
    in_reply_to: str | None = None
    references: str | None = None


def from_arguments(arguments: dict[str, Any], *, body_key: str = "body") -> Draft:
    """A `Draft` from the shared argument names of the send, reply and draft tools."""
    to = [arguments["recipient_email"]] if arguments.get("recipient_email") else []
    to += list(arguments.get("extra_recipients") or [])
    attachment = arguments.get("attachment")
    return Draft(
        to=to,
        subject=arguments.get("subject") or "",
        body=arguments.get(body_key) or "",
        cc=list(arguments.get("cc") or []),
        bcc=list(arguments.get("bcc") or []),
        is_html=bool(arguments.get("is_html")),
        attachments=[attachment] if attachment else [],
    )


def build_raw(draft: Draft) -> str:
    """The message as Gmail's ``raw``: base64url without padding."""
    message = EmailMessage()
    for name, values in (("To", draft.to), ("Cc", draft.cc), ("Bcc", draft.bcc)):
        if values:
            message[name] = ", ".join(values)
    message["Subject"] = draft.subject
    if draft.in_reply_to:
        message["In-Reply-To"] = draft.in_reply_to
        message["References"] = draft.references or draft.in_reply_to
    if draft.is_html:
        message.set_content(_html_to_text(draft.body))
        message.add_alternative(draft.body, subtype="html")
    else:
        message.set_content(draft.body)
    for attachment in draft.attachments:
        name, mime_type, data = _attachment(attachment)
        maintype, _, subtype = mime_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=name)
    return base64.urlsafe_b64encode(message.as_bytes()).decode().rstrip("=")


def reply_subject(subject: str) -> str:
    return subject if re.match(r"^\s*re\s*:", subject, re.IGNORECASE) else f"Re: {subject}".strip()


def _attachment(value: dict[str, Any]) -> tuple[str, str, bytes]:
    name = value.get("name") or "attachment"
    mime_type = value.get("mimetype") or "application/octet-stream"
    if "/" not in mime_type:
        raise ToolError(f"attachment.mimetype {mime_type!r} is not a MIME type like text/plain")
    try:
        data = base64.b64decode(value.get("content") or "", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ToolError("attachment.content must be the file's bytes in base64") from exc
    return name, mime_type, data


def _html_to_text(markup: str) -> str:
    text = re.sub(r"(?i)<br\s*/?>|</p>", "\n", markup)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip() or " "
