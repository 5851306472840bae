"""A loopback stand-in for the Gmail API's history, until the sandbox's Gmail emulator has it.

It answers ``users.getProfile``, ``users.history.list`` (``messageAdded`` records
after ``startHistoryId``, two per page, 404 for a history id it no longer has),
``users.messages.list`` with ``q=from:...`` and ``users.messages.get`` as Google
documents them, and counts the history calls in flight per mailbox.
"""

from __future__ import annotations

import asyncio
import base64
import threading
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.servers import ThreadedServer

ROOT = "/gmail/v1/users/me"


@dataclass
class Mail:
    id: str
    history_id: int
    sender: str
    subject: str
    body: str
    labels: list[str]


@dataclass
class FakeGmail:
    mails: list[Mail] = field(default_factory=list)
    history: int = 5000
    oldest_kept: int = 0
    history_calls: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    delay: float = 0.0
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadedServer | None = None

    def receive(
        self, sender: str, subject: str, body: str = "hello", labels: list[str] | None = None
    ) -> Mail:
        with self._lock:
            self.history += 7
            mail = Mail(
                f"m{self.history}", self.history, sender, subject, body, labels or ["INBOX", "UNREAD"]
            )
            self.mails.append(mail)
            return mail

    def app(self) -> Starlette:
        async def profile(request: Request) -> Response:
            return JSONResponse({"emailAddress": "me@example.com", "historyId": str(self.history)})

        async def history(request: Request) -> Response:
            with self._lock:
                self.history_calls += 1
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                if self.delay:
                    await asyncio.sleep(self.delay)
                start = int(request.query_params["startHistoryId"])
                if start < self.oldest_kept:
                    return JSONResponse(
                        {"error": {"code": 404, "message": "Requested entity was not found."}},
                        status_code=404,
                    )
                label = request.query_params.get("labelId")
                found = [
                    m for m in self.mails if m.history_id > start and (label is None or label in m.labels)
                ]
                offset = int(request.query_params.get("pageToken") or 0)
                page = found[offset : offset + 2]
                body: dict = {
                    "history": [
                        {
                            "id": str(m.history_id),
                            "messagesAdded": [
                                {"message": {"id": m.id, "threadId": "t" + m.id, "labelIds": m.labels}}
                            ],
                        }
                        for m in page
                    ],
                    "historyId": str(self.history),
                }
                if offset + 2 < len(found):
                    body["nextPageToken"] = str(offset + 2)
                return JSONResponse(body)
            finally:
                with self._lock:
                    self.in_flight -= 1

        async def search(request: Request) -> Response:
            q = request.query_params.get("q", "")
            who = q.removeprefix("from:")
            return JSONResponse(
                {"messages": [{"id": m.id, "threadId": "t" + m.id} for m in self.mails if who in m.sender]}
            )

        async def message(request: Request) -> Response:
            mail = next((m for m in self.mails if m.id == request.path_params["id"]), None)
            if mail is None:
                return JSONResponse({"error": {"code": 404}}, status_code=404)
            data = base64.urlsafe_b64encode(mail.body.encode()).decode().rstrip("=")
            return JSONResponse(
                {
                    "id": mail.id,
                    "threadId": "t" + mail.id,
                    "labelIds": mail.labels,
                    "snippet": mail.body[:50],
                    "internalDate": str(1_700_000_000_000 + mail.history_id),
                    "payload": {
                        "mimeType": "multipart/alternative",
                        "headers": [
                            {"name": "From", "value": mail.sender},
                            {"name": "To", "value": "me@example.com"},
                            {"name": "Subject", "value": mail.subject},
                        ],
                        "parts": [
                            {"mimeType": "text/html", "body": {"data": ""}},
                            {"mimeType": "text/plain", "body": {"data": data}},
                        ],
                    },
                }
            )

        return Starlette(
            routes=[
                Route(ROOT + "/profile", profile),
                Route(ROOT + "/history", history),
                Route(ROOT + "/messages", search),
                Route(ROOT + "/messages/{id}", message),
            ]
        )

    def start(self) -> FakeGmail:
        self._server = ThreadedServer(self.app()).start()
        self.url = self._server.url
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
