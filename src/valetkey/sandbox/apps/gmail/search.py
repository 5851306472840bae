"""Gmail's search box (the ``q`` parameter), for the operators agents use.

Supported: ``from:``, ``to:``, ``cc:``, ``bcc:``, ``subject:`` (a word,
``"a phrase"`` or ``(several words)``), ``is:unread|read|starred|important``,
``label:`` (name or id; ``-`` stands for a space), ``in:inbox|sent|trash|spam|
drafts|starred|anywhere``, ``has:attachment``, ``filename:``,
``after:``/``before:`` (``YYYY/MM/DD`` or epoch seconds), ``newer_than:``/
``older_than:`` (``2d``, ``3m``, ``1y``), ``-term`` negation, and free words
or quoted phrases matched against sender, recipients, subject, body and
attachment names. Terms combine with AND; ``OR`` and ``{...}`` are not
supported. As in Gmail, messages in Trash or Spam are left out unless the
query asks for them (``in:trash``, ``in:anywhere``) or ``includeSpamTrash``.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass

from . import mime
from .state import Mailbox, StoredMessage

_TERM = re.compile(r'(-?)(?:(\w+):("[^"]*"|\([^)]*\)|\S+)|"([^"]*)"|(\S+))')
_UNITS = {"d": 86400, "m": 30 * 86400, "y": 365 * 86400}


@dataclass(frozen=True)
class Term:
    negated: bool
    key: str  # "" for free text
    value: str


def parse_query(q: str | None) -> list[Term]:
    terms = []
    for negated, key, value, phrase, word in _TERM.findall(q or ""):
        if key:
            terms.append(Term(bool(negated), key.lower(), value.strip('"()').lower()))
        elif (phrase or word) and (phrase or word) != "OR":
            terms.append(Term(bool(negated), "", (phrase or word).lower()))
    return terms


def wants_spam_or_trash(terms: list[Term]) -> bool:
    return any(t.key == "in" and t.value in ("trash", "spam", "anywhere") and not t.negated for t in terms)


def matches(message: StoredMessage, mailbox: Mailbox, terms: list[Term]) -> bool:
    return all(_matches(message, mailbox, term) != term.negated for term in terms)


def _matches(message: StoredMessage, mailbox: Mailbox, term: Term) -> bool:
    parsed, key, value = message.parsed, term.key, term.value
    if key in ("from", "to", "cc", "bcc"):
        headers = {"to": ("To", "Cc", "Bcc")}.get(key, (key.capitalize(),))
        text = " ".join(mime.header(parsed, h) for h in headers).lower()
        return (value == "me" and mailbox.email in text) or value in text
    if key == "subject":
        subject = mime.header(parsed, "Subject").lower()
        return all(word in subject for word in value.split())
    if key == "is":
        label = {"unread": "UNREAD", "starred": "STARRED", "important": "IMPORTANT"}.get(value)
        if value == "read":
            return not message.has("UNREAD")
        return label is not None and message.has(label)
    if key == "in":
        if value == "anywhere":
            return True
        label = {"drafts": "DRAFT"}.get(value, value.upper())
        return message.has(label)
    if key == "label":
        found = mailbox.label_named(value)
        return found is not None and message.has(found.id)
    if key == "has":
        return value in ("attachment", "attachments") and bool(mime.attachments(parsed, message.id))
    if key == "filename":
        return any(value in a["filename"].lower() for a in mime.attachments(parsed, message.id))
    if key in ("after", "before", "newer_than", "older_than"):
        moment = _moment(key, value)
        if moment is None:
            return False
        seconds = message.internal_date / 1000
        return seconds >= moment if key in ("after", "newer_than") else seconds < moment
    if key:
        return False  # an operator we do not know matches nothing, rather than everything
    return value in _searchable(message)


def _searchable(message: StoredMessage) -> str:
    parsed = message.parsed
    names = " ".join(a["filename"] for a in mime.attachments(parsed, message.id))
    fields = [mime.header(parsed, h) for h in ("From", "To", "Cc", "Subject")]
    return " ".join([*fields, mime.text_body(parsed), names]).lower()


def _moment(key: str, value: str) -> float | None:
    if key in ("newer_than", "older_than"):
        found = re.fullmatch(r"(\d+)([dmy])", value)
        return time.time() - int(found.group(1)) * _UNITS[found.group(2)] if found else None
    if value.isdigit():
        return float(value)
    try:
        day = dt.datetime.strptime(value.replace("-", "/"), "%Y/%m/%d")
    except ValueError:
        return None
    return day.replace(tzinfo=dt.UTC).timestamp()
