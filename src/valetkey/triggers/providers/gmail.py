"""Gmail: new messages found by polling the mailbox history (``users.history.list``).

`start` takes the mailbox's current ``historyId`` (``users.getProfile``), so mail
already there is never delivered. Each `poll` lists ``messageAdded`` history
since the watermark (every page), keeps the messages carrying all of the
trigger's ``labelIds`` (a string or a list; ``INBOX`` by default) and, when the
trigger has a ``query``, those the same search finds, fetches each one and
moves the watermark to the history id Gmail answered. The watermark and the
events are committed together, so nothing is missed or repeated across polls.
A watermark Gmail no longer knows (404: history is kept for about a week) is
reported as an error and replaced by the current one.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

from valetkey.triggers.providers.base import PollResult, ProviderError, Registration, upstream_problem

MAX_PAGES = 50  # of 500 history records each


def _root(config: dict[str, Any]) -> str:
    return f"/gmail/v1/users/{quote(str(config.get('userId') or 'me'), safe='')}"


def _labels(config: dict[str, Any], default: str) -> list[str]:
    value = config.get("labelIds")
    if value is None:
        return [default]
    return [value] if isinstance(value, str) else [str(v) for v in value]


async def _get(reg: Registration, path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
    outcome = await reg.call("GET", path, None, query)
    response = outcome.response
    if response is None or response.status != 200:
        raise upstream_problem(f"Gmail GET {path}", outcome)
    data = json.loads(response.content)
    if not isinstance(data, dict):
        raise ProviderError(f"Gmail GET {path} answered no object")
    return data


class Gmail:
    async def start(self, registration: Registration) -> dict[str, Any]:
        profile = await _get(registration, _root(registration.config) + "/profile")
        return {"history_id": str(profile["historyId"])}

    async def poll(self, registration: Registration) -> PollResult:
        config, root = registration.config, _root(registration.config)
        since = str(registration.provider_state.get("history_id") or "")
        if not since:
            return PollResult([], await self.start(registration))
        labels = _labels(config, str(registration.trigger.source.get("default_label", "INBOX")))
        query = {"startHistoryId": since, "historyTypes": "messageAdded", "maxResults": "500"}
        if len(labels) == 1:
            query["labelId"] = labels[0]
        added: dict[str, dict[str, Any]] = {}
        latest, token = since, None
        for _ in range(MAX_PAGES):
            outcome = await registration.call(
                "GET", root + "/history", None, {**query, **({"pageToken": token} if token else {})}
            )
            if outcome.status == 404:
                fresh = await self.start(registration)
                raise StaleWatermark(
                    f"Gmail no longer has history {since}; polling again from {fresh['history_id']}", fresh
                )
            if outcome.response is None or outcome.status != 200:
                raise upstream_problem(f"Gmail GET {root}/history", outcome)
            page = json.loads(outcome.response.content)
            latest = str(page.get("historyId") or latest)
            for record in page.get("history") or []:
                for item in record.get("messagesAdded") or []:
                    message = item.get("message") or {}
                    if message.get("id"):
                        added.setdefault(str(message["id"]), message)
            token = page.get("nextPageToken")
            if not token:
                break
        wanted = [m for m in added.values() if set(labels) <= set(m.get("labelIds") or [])]
        if config.get("query") and wanted:
            matching = await self._search(registration, root, str(config["query"]))
            wanted = [m for m in wanted if str(m["id"]) in matching]
        events = [await self._event(registration, root, str(m["id"])) for m in wanted]
        return PollResult([e for e in events if e is not None], {"history_id": latest})

    async def _search(self, reg: Registration, root: str, q: str) -> set[str]:
        found: set[str] = set()
        token = None
        for _ in range(5):
            page = await _get(
                reg,
                root + "/messages",
                {"q": q, "maxResults": "500", **({"pageToken": token} if token else {})},
            )
            found |= {str(m["id"]) for m in page.get("messages") or [] if m.get("id")}
            token = page.get("nextPageToken")
            if not token:
                break
        return found

    async def _event(self, reg: Registration, root: str, message_id: str) -> dict[str, Any] | None:
        outcome = await reg.call(
            "GET", f"{root}/messages/{quote(message_id, safe='')}", None, {"format": "full"}
        )
        if outcome.status == 404:
            return None  # deleted between the history and now
        if outcome.response is None or outcome.status != 200:
            raise upstream_problem(f"Gmail GET {root}/messages/{message_id}", outcome)
        message = json.loads(outcome.response.content)
        payload = message.get("payload") or {}
        headers = {
            str(h.get("name", "")).lower(): str(h.get("value", "")) for h in payload.get("headers") or []
        }
        return {
            "message_id": str(message.get("id", message_id)),
            "thread_id": str(message.get("threadId", "")),
            "label_ids": list(message.get("labelIds") or []),
            "sender": headers.get("from", ""),
            "to": headers.get("to", ""),
            "subject": headers.get("subject", ""),
            "message_text": _text(payload),
            "message_timestamp": str(message.get("internalDate", "")),
            "preview": {"subject": headers.get("subject", ""), "body": str(message.get("snippet", ""))},
        }


class StaleWatermark(ProviderError):
    """The watermark is gone at the provider: the scheduler records the error and keeps the fresh one."""

    def __init__(self, message: str, provider_state: dict[str, Any]):
        super().__init__(message)
        self.provider_state = provider_state


def _text(part: dict[str, Any]) -> str:
    """The first text/plain body of a MIME tree (base64url-encoded in the Gmail API)."""
    if str(part.get("mimeType", "")).startswith("text/plain"):
        data = (part.get("body") or {}).get("data")
        if data:
            try:
                return base64.urlsafe_b64decode(str(data) + "=" * (-len(str(data)) % 4)).decode(
                    "utf-8", "replace"
                )
            except ValueError:
                return ""
    for child in part.get("parts") or []:
        text = _text(child)
        if text:
            return text
    return ""
