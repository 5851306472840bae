"""The Hacker News emulator: the Algolia HN Search API and the official Firebase API, read-only.

Mounted at ``{sandbox}/hackernews``, serving both hosts' paths under it:
``https://hn.algolia.com/api/v1/...`` -> ``{sandbox}/hackernews/api/v1/...`` and
``https://hacker-news.firebaseio.com/v0/...`` -> ``{sandbox}/hackernews/v0/...``.
Neither API takes credentials.

Algolia semantics kept: ``/search`` ranks by relevance, then points (front-page
stories by rank); ``/search_by_date`` newest first; ``query`` words must all
match (title, url, text, author); ``tags`` is comma-AND with ``(a,b)`` OR
groups over ``story``, ``comment``, ``poll``, ``ask_hn``, ``show_hn``,
``front_page``, ``author_NAME``, ``story_ID``; ``numericFilters`` is
comma-AND of ``created_at_i|points|num_comments <op> number``; ``page``
(0-based) and ``hitsPerPage`` (default 20, at most 1000) with ``nbPages``
and ``nbHits``. Errors are ``{"status", "error"}`` for 404s and
``{"message", "status"}`` for bad parameters, as Algolia answers. Firebase:
``/v0/topstories.json`` and ``/v0/beststories.json`` (arrays of ids) honour
``orderBy="$key"`` with ``limitToFirst``; ``/v0/item/{id}.json`` answers
``null`` for unknown ids; ``/v0/newstories.json`` (newest first, 500 at most),
``askstories``, ``showstories``, ``jobstories`` and ``/v0/maxitem.json`` serve a
poller for new posts. Someone posts with ``POST /_sandbox/hackernews/items``
(``{"by", "title", "url"?, "text"?}`` for a story, ``{"by", "parent", "text"}``
for a comment): it gets id ``maxitem + 1`` and heads ``newstories``.
``/_sandbox/hackernews/faults`` arms failures of the Firebase endpoints
(``{"kind": "server_error", "endpoint": "newstories", "status": 503, "count": 1}``;
endpoints ``<list>stories``, ``item``, ``maxitem``; ``slow`` with ``delay_ms``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from valetkey.sandbox.admin import fault_routes
from valetkey.sandbox.emulator import SandboxApp, StateStore
from valetkey.sandbox.emulator_http import json_response
from valetkey.sandbox.faults import FaultQueue

SLUG = "hackernews"
NOW = 1_760_000_000  # a fixed "now" (Oct 2025) so ages and orders are reproducible
NUMERIC = re.compile(r"^\s*(created_at_i|points|num_comments)\s*(<=|>=|!=|<|>|=)\s*(-?\d+(?:\.\d+)?)\s*$")


@dataclass
class Item:
    id: int
    type: str  # story, comment, poll, job
    by: str
    time: int
    title: str | None = None
    url: str | None = None
    text: str | None = None
    points: int | None = None
    parent: int | None = None
    story_id: int | None = None
    kids: list[int] = field(default_factory=list)
    front_page_rank: int | None = None


@dataclass
class HNState:
    items: dict[int, Item] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, item: Item) -> Item:
        self.items[item.id] = item
        if item.parent in self.items:
            self.items[item.parent].kids.append(item.id)
        return item

    def num_comments(self, story: Item) -> int:
        return sum(1 for i in self.items.values() if i.type == "comment" and i.story_id == story.id)


def iso(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def initial_state() -> HNState:
    """Users pg, dang, tptacek; six stories (three on the front page, an Ask HN, a Show HN) and a comment thread."""
    state = HNState()
    for name, karma, about, created in (
        ("pg", 157_000, "Bug fixer.", 1_160_418_092),
        ("dang", 43_000, "HN moderator.", 1_305_049_400),
        ("tptacek", 400_000, None, 1_206_000_000),
    ):
        state.users[name] = {
            "username": name,
            "karma": karma,
            "about": about,
            "created_at": iso(created),
            "created_at_i": created,
        }
    stories = [
        (
            8863,
            "pg",
            "My YC app: Dropbox - Throw away your USB drive",
            "http://www.getdropbox.com/u/2/screencast.html",
            None,
            111,
            1,
            7200,
        ),
        (9001, "dang", "Rust 2.0 released", "https://blog.rust-lang.org/2.0", None, 950, 2, 3600),
        (9002, "tptacek", "A deep dive into TLS 1.3", "https://example.com/tls13", None, 420, 3, 5400),
        (
            9003,
            "pg",
            "Ask HN: How do you keep up with papers?",
            None,
            "I read arXiv daily. What do you do?",
            80,
            None,
            1800,
        ),
        (
            9004,
            "dang",
            "Show HN: A tiny SQLite viewer",
            "https://github.com/example/sqlview",
            "Built in a weekend.",
            55,
            None,
            900,
        ),
        (9005, "tptacek", "Why async Rust is hard", "https://example.com/async-rust", None, 12, None, 300),
    ]
    for id_, by, title, url, text, points, rank, age in stories:
        state.add(
            Item(
                id_,
                "story",
                by,
                NOW - age,
                title=title,
                url=url,
                text=text,
                points=points,
                front_page_rank=rank,
            )
        )
    state.add(
        Item(
            9101,
            "comment",
            "tptacek",
            NOW - 3000,
            text="Finally, <i>stable</i> async traits.",
            parent=9001,
            story_id=9001,
        )
    )
    state.add(Item(9102, "comment", "pg", NOW - 2900, text="Agreed.", parent=9101, story_id=9001))
    state.add(
        Item(9103, "comment", "dang", NOW - 2000, text="Please keep it civil.", parent=9001, story_id=9001)
    )
    state.add(
        Item(
            9104,
            "comment",
            "dang",
            NOW - 1000,
            text="Zotero plus a weekly review.",
            parent=9003,
            story_id=9003,
        )
    )
    return state


def tags_of(state: HNState, item: Item) -> list[str]:
    tags = [item.type, f"author_{item.by}", f"story_{item.story_id or item.id}"]
    title = item.title or ""
    if item.type == "story" and title.startswith("Ask HN:"):
        tags.append("ask_hn")
    if item.type == "story" and title.startswith("Show HN:"):
        tags.append("show_hn")
    if item.front_page_rank is not None:
        tags.append("front_page")
    return tags


def hit(state: HNState, item: Item) -> dict[str, Any]:
    """An item as Algolia indexes it."""
    story = state.items.get(item.story_id) if item.story_id else None
    is_story = item.type != "comment"
    return {
        "objectID": str(item.id),
        "title": item.title,
        "url": item.url,
        "author": item.by,
        "points": item.points,
        "story_text": item.text if is_story else None,
        "comment_text": None if is_story else item.text,
        "num_comments": state.num_comments(item) if is_story else None,
        "story_id": item.story_id,
        "story_title": story.title if story else None,
        "story_url": story.url if story else None,
        "parent_id": item.parent,
        "created_at": iso(item.time),
        "created_at_i": item.time,
        "_tags": tags_of(state, item),
    }


class BadParameter(Exception):
    pass


def tag_filter(raw: str) -> list[list[str]]:
    """``story,(author_pg,author_dang)`` -> [["story"], ["author_pg", "author_dang"]] (AND of ORs)."""
    groups = re.findall(r"\(([^()]*)\)|([^,()]+)", raw)
    out = [[t.strip() for t in (group or single).split(",") if t.strip()] for group, single in groups]
    if not out or any(not g for g in out) or raw.count("(") != raw.count(")"):
        raise BadParameter(f"Invalid value for tags parameter: {raw}")
    return out


def numeric_filter(raw: str) -> list[tuple[str, str, float]]:
    out = []
    for condition in raw.split(","):
        match = NUMERIC.match(condition)
        if not match:
            raise BadParameter(f"Invalid syntax for numeric condition: {condition.strip()}")
        out.append((match.group(1), match.group(2), float(match.group(3))))
    return out


OPS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def search(state: HNState, params: Any, *, by_date: bool) -> dict[str, Any]:
    query = params.get("query", "")
    try:
        per_page = int(params.get("hitsPerPage", 20))
        page = int(params.get("page", 0))
    except ValueError:
        raise BadParameter("hitsPerPage and page must be integers") from None
    if not 0 <= per_page <= 1000 or page < 0:
        raise BadParameter("hitsPerPage must be between 0 and 1000 and page at least 0")
    tags = tag_filter(params["tags"]) if params.get("tags") else []
    numeric = numeric_filter(params["numericFilters"]) if params.get("numericFilters") else []
    words = [w.lower() for w in query.split()]
    found = []
    for item in state.items.values():
        record = hit(state, item)
        if any(not set(group) & set(record["_tags"]) for group in tags):
            continue
        if any(record.get(name) is None or not OPS[op](record[name], value) for name, op, value in numeric):
            continue
        text = " ".join(
            str(record.get(k) or "") for k in ("title", "url", "story_text", "comment_text", "author")
        )
        if any(w not in text.lower() for w in words):
            continue
        found.append((item, record))
    if by_date:
        found.sort(key=lambda pair: pair[0].time, reverse=True)
    elif "front_page" in {t for group in tags for t in group}:
        found.sort(key=lambda pair: pair[0].front_page_rank or math.inf)
    else:
        found.sort(key=lambda pair: pair[0].points or 0, reverse=True)
    hits = [record for _, record in found]
    pages = math.ceil(len(hits) / per_page) if per_page else 0
    return {
        "hits": hits[page * per_page : (page + 1) * per_page],
        "nbHits": len(hits),
        "page": page,
        "nbPages": pages,
        "hitsPerPage": per_page,
        "exhaustiveNbHits": True,
        "query": query,
        "params": str(params),
        "processingTimeMS": 1,
    }


def item_tree(state: HNState, item: Item) -> dict[str, Any]:
    """`/items/{id}`: the item with its replies nested under `children`, oldest first."""
    return {
        "id": item.id,
        "created_at": iso(item.time),
        "created_at_i": item.time,
        "type": item.type,
        "author": item.by,
        "title": item.title,
        "url": item.url,
        "text": item.text,
        "points": item.points,
        "parent_id": item.parent,
        "story_id": item.story_id or (item.id if item.type == "story" else None),
        "children": [
            item_tree(state, state.items[k]) for k in sorted(item.kids, key=lambda k: state.items[k].time)
        ],
        "options": [],
    }


def firebase_item(item: Item) -> dict[str, Any]:
    body = {"id": item.id, "type": item.type, "by": item.by, "time": item.time, "kids": list(item.kids)}
    for name in ("title", "url", "text", "parent"):
        if getattr(item, name) is not None:
            body[name] = getattr(item, name)
    if item.points is not None:
        body["score"] = item.points
    return body


def create_app() -> SandboxApp:
    store = StateStore(initial_state)
    faults = FaultQueue()

    async def faulted(endpoint: str) -> Response | None:
        """The armed fault's answer for a call to `endpoint`, after its delay; None: answer normally."""
        triggered = faults.take(endpoint)
        if triggered.delay_ms:
            await asyncio.sleep(triggered.delay_ms / 1000)
        if triggered.failure is None:
            return None
        return json_response({"error": "Service Unavailable"}, triggered.failure.status)

    def algolia_error(status: int, message: str) -> Response:
        return json_response({"message": message, "status": status}, status)

    async def search_endpoint(request: Request) -> Response:
        with store.transaction() as state:
            try:
                return json_response(
                    search(state, request.query_params, by_date=request.url.path.endswith("search_by_date"))
                )
            except BadParameter as error:
                return algolia_error(400, str(error))

    async def item_endpoint(request: Request) -> Response:
        with store.transaction() as state:
            item = state.items.get(_int(request.path_params["id"]))
            if item is None:
                return json_response({"status": 404, "error": "Not Found"}, 404)
            return json_response(item_tree(state, item))

    async def user_endpoint(request: Request) -> Response:
        with store.transaction() as state:
            user = state.users.get(request.path_params["username"])
            if user is None:
                return json_response({"status": 404, "error": "Not Found"}, 404)
            return json_response(user)

    async def story_list(request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind not in LISTS:
            return Response("null", media_type="application/json")  # Firebase: no such path
        if (failed := await faulted(f"{kind}stories")) is not None:
            return failed
        with store.transaction() as state:
            ids = story_ids(state, kind)
        limit = request.query_params.get("limitToFirst")
        if limit is not None:
            if request.query_params.get("orderBy") != '"$key"' or not limit.isdigit():
                return json_response(
                    {"error": "orderBy must be a valid JSON encoded path"}
                    if request.query_params.get("orderBy") != '"$key"'
                    else {"error": "limitToFirst must be a positive integer"},
                    400,
                )
            # Keys 0..n-1 of the stored array: Firebase renders them as an array again.
            return json_response(ids[: int(limit)])
        return json_response(ids)

    async def max_item(request: Request) -> Response:
        if (failed := await faulted("maxitem")) is not None:
            return failed
        with store.transaction() as state:
            return json_response(max(state.items, default=0))

    async def firebase_item_endpoint(request: Request) -> Response:
        if (failed := await faulted("item")) is not None:
            return failed
        with store.transaction() as state:
            item = state.items.get(_int(request.path_params["id"]))
            return Response(json.dumps(firebase_item(item) if item else None), media_type="application/json")

    routes = [
        Route("/api/v1/search", search_endpoint, methods=["GET"]),
        Route("/api/v1/search_by_date", search_endpoint, methods=["GET"]),
        Route("/api/v1/items/{id}", item_endpoint, methods=["GET"]),
        Route("/api/v1/users/{username}", user_endpoint, methods=["GET"]),
        Route("/v0/{kind:str}stories.json", story_list, methods=["GET"]),
        Route("/v0/item/{id}.json", firebase_item_endpoint, methods=["GET"]),
        Route("/v0/maxitem.json", max_item, methods=["GET"]),
    ]
    endpoints = (*(f"{kind}stories" for kind in LISTS), "item", "maxitem")
    return SandboxApp(
        SLUG,
        routes,
        store,
        admin_routes=[
            Route("/items", _post_route(store), methods=["POST"]),
            *fault_routes(faults, endpoints, lambda kind: "newstories"),
        ],
        on_reset=(faults.clear,),
    )


#: The Firebase story lists (``/v0/<kind>stories.json``): at most 500 ids (200 for ask, show, job).
LISTS = {"top": 500, "best": 500, "new": 500, "ask": 200, "show": 200, "job": 200}


def story_ids(state: HNState, kind: str) -> list[int]:
    """The ids of a Firebase list: top by front-page rank, best by points, new newest first, ask/show/job."""
    stories = [i for i in state.items.values() if i.type in ("story", "poll")]
    if kind == "top":
        stories.sort(key=lambda i: (i.front_page_rank or math.inf, -i.time))
    elif kind == "best":
        stories.sort(key=lambda i: i.points or 0, reverse=True)
    elif kind == "new":
        stories.sort(key=lambda i: i.id, reverse=True)
    else:
        wanted = {"ask": "ask_hn", "show": "show_hn"}.get(kind)
        pool = [i for i in state.items.values() if i.type == "job"] if kind == "job" else stories
        stories = sorted(
            (i for i in pool if wanted is None or wanted in tags_of(state, i)),
            key=lambda i: i.id,
            reverse=True,
        )
    return [i.id for i in stories][: LISTS[kind]]


def post_item(state: HNState, body: dict[str, Any]) -> Item:
    """Someone posts on HN: a story (``title``, ``url`` or ``text``) or a comment (``parent``, ``text``).

    The id is ``maxitem + 1`` and the time now, as a new submission gets; it heads ``newstories``.
    """
    kind = body.get("type", "comment" if "parent" in body else "story")
    if kind not in ("story", "comment", "job", "poll"):
        raise BadParameter(f"type must be story, comment, job or poll, not {kind!r}")
    by = body.get("by")
    if not isinstance(by, str) or not by:
        raise BadParameter("by (the author's username) is required")
    parent = body.get("parent")
    if kind == "comment":
        if parent not in state.items:
            raise BadParameter("a comment needs the id of an existing parent item")
        if not body.get("text"):
            raise BadParameter("a comment needs text")
    elif not body.get("title"):
        raise BadParameter(f"a {kind} needs a title")
    new_id = max(state.items, default=0) + 1
    newest = max((i.time for i in state.items.values()), default=NOW)
    root = state.items[parent].story_id or parent if parent is not None else None
    item = Item(
        new_id,
        kind,
        by,
        max(int(dt.datetime.now(dt.UTC).timestamp()), newest + 1),
        title=body.get("title"),
        url=body.get("url"),
        text=body.get("text"),
        points=int(body.get("points", 1)) if kind != "comment" else None,
        parent=parent,
        story_id=root,
    )
    state.users.setdefault(
        by,
        {"username": by, "karma": 1, "about": None, "created_at": iso(item.time), "created_at_i": item.time},
    )
    return state.add(item)


def _post_route(store: StateStore[HNState]) -> Any:
    async def endpoint(request: Request) -> Response:
        try:
            body = json.loads(await request.body() or b"{}")
            if not isinstance(body, dict):
                raise BadParameter("the body must be a JSON object")
            with store.transaction() as state:
                item = post_item(state, body)
                return json_response(firebase_item(item), 201)
        except (ValueError, BadParameter) as error:
            return json_response({"error": "invalid_request", "error_description": str(error)}, 400)

    return endpoint


def _int(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        return -1
