"""The Google Drive emulator's data: a tree of files and folders with contents and permissions.

Every user has a root folder (``root`` in requests); a file's ``parents``
name its folders. Binary files keep their bytes; Google Docs, Sheets and
Slides (``application/vnd.google-apps.*``) keep text that exports render.
Who sees a file is decided by its permissions, as on Drive: the owner, users
it was shared with, and anyone for ``type: anyone``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from valetkey.sandbox.apps._google import google_email

FOLDER = "application/vnd.google-apps.folder"
GOOGLE_TYPES = {
    "application/vnd.google-apps.document",
    "application/vnd.google-apps.spreadsheet",
    "application/vnd.google-apps.presentation",
    "application/vnd.google-apps.drawing",
}
ROLES = ("reader", "commenter", "writer", "fileOrganizer", "organizer", "owner")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def permission_id(email: str) -> str:
    """Drive's permission id of a user: a stable number (the same on every file)."""
    return str(int(hashlib.sha256(email.encode()).hexdigest()[:16], 16))[:20]


def new_id() -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
    return "1" + "".join(secrets.choice(alphabet) for _ in range(32))


@dataclass
class Permission:
    id: str
    type: str  # user | group | domain | anyone
    role: str
    email: str | None = None
    domain: str | None = None


@dataclass
class DriveFile:
    id: str
    name: str
    mime_type: str
    owner: str
    parents: list[str]
    content: bytes | None = None
    description: str | None = None
    starred: bool = False
    trashed: bool = False
    created: dt.datetime = field(default_factory=now)
    modified: dt.datetime = field(default_factory=now)
    version: int = 1
    permissions: list[Permission] = field(default_factory=list)
    is_root: bool = False

    @property
    def is_folder(self) -> bool:
        return self.mime_type == FOLDER

    @property
    def is_google(self) -> bool:
        return self.mime_type in GOOGLE_TYPES

    def role_of(self, email: str) -> str | None:
        """The best role `email` holds on this file, or None."""
        roles = [
            p.role
            for p in self.permissions
            if p.type == "anyone"
            or (p.type in ("user", "group") and p.email == email)
            or (p.type == "domain" and email.endswith("@" + (p.domain or "")))
        ]
        return max(roles, key=ROLES.index) if roles else None

    def touch(self) -> None:
        self.modified, self.version = now(), self.version + 1


@dataclass
class Change:
    """One entry of Drive's change log: a file changed (or went away) at `time`.

    `viewers` are who could see the file then (None: anyone), so a user's
    ``changes.list`` holds the files they can see, and those they lost.
    """

    number: int
    file_id: str
    time: dt.datetime
    removed: bool
    viewers: frozenset[str] | None


@dataclass
class DriveState:
    files: dict[str, DriveFile] = field(default_factory=dict)
    roots: dict[str, str] = field(default_factory=dict)  # user email -> root folder id
    changes: list[Change] = field(default_factory=list)

    @property
    def start_page_token(self) -> int:
        """The number the next change will get: ``changes.getStartPageToken``."""
        return len(self.changes) + 1

    def log(self, file: DriveFile, *, removed: bool = False, viewers: frozenset[str] | None = None) -> None:
        """Append a change of `file`; `viewers` defaults to who can see it now."""
        if file.is_root:
            return
        if viewers is None and not removed:
            viewers = viewers_of(file)
        self.changes.append(Change(len(self.changes) + 1, file.id, now(), removed, viewers))

    def touched(self, file: DriveFile) -> None:
        """`file` was edited: a new version and a change; losing a viewer shows them a removal."""
        before = viewers_of(file)
        file.touch()
        self.log(file)
        after = viewers_of(file)
        if before is not None and after is not None and before - after:
            self.log(file, removed=True, viewers=frozenset(before - after))

    def ensure_user(self, subject: str) -> str:
        email = google_email(subject)
        if email not in self.roots:
            root = DriveFile("0A" + secrets.token_hex(8).upper(), "My Drive", FOLDER, email, [], is_root=True)
            root.permissions.append(Permission(permission_id(email), "user", "owner", email))
            self.files[root.id] = root
            self.roots[email] = root.id
        return email

    def add(self, file: DriveFile) -> DriveFile:
        if not any(p.role == "owner" for p in file.permissions):
            file.permissions.insert(0, Permission(permission_id(file.owner), "user", "owner", file.owner))
        self.files[file.id] = file
        self.log(file)
        return file

    def resolve(self, user: str, file_id: str) -> str:
        return self.roots.get(user, file_id) if file_id == "root" else file_id

    def children(self, folder_id: str) -> list[DriveFile]:
        return [f for f in self.files.values() if folder_id in f.parents]

    def descendants(self, folder_id: str) -> list[DriveFile]:
        out, pending = [], [folder_id]
        while pending:
            for child in self.children(pending.pop()):
                out.append(child)
                pending.append(child.id)
        return out


def viewers_of(file: DriveFile) -> frozenset[str] | None:
    if any(p.type in ("anyone", "domain") for p in file.permissions):
        return None
    return frozenset(p.email for p in file.permissions if p.email) | {file.owner}


def initial_state() -> DriveState:
    """bob@example.com owns "Shared plans" (a Google Doc) and shared it with alice@example.com as reader."""
    state = DriveState()
    bob = state.ensure_user("bob@example.com")
    doc = state.add(
        DriveFile(
            "1SharedPlansDocumentBobOwnsForAlice",
            "Shared plans",
            "application/vnd.google-apps.document",
            bob,
            [state.roots[bob]],
            content=b"Q3 plans: ship the emulator.\n",
        )
    )
    doc.permissions.append(
        Permission(permission_id("alice@example.com"), "user", "reader", "alice@example.com")
    )
    return state


def seed(state: DriveState, payload: dict[str, Any]) -> dict[str, Any]:
    """``{"files": [{"owner", "name", "mimeType"?, "content"?, "parent"?}]}`` -> created ids."""
    created = []
    for item in payload.get("files") or []:
        owner = state.ensure_user(str(item["owner"]))
        file = state.add(
            DriveFile(
                new_id(),
                str(item["name"]),
                str(item.get("mimeType") or "text/plain"),
                owner,
                [state.resolve(owner, str(item.get("parent") or "root"))],
                content=str(item.get("content", "")).encode(),
            )
        )
        created.append(file.id)
    return {"files": created}
