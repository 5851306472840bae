"""A project's staged files as Python tool handlers see them (`ToolContext.files`).

`read(uploadable)` opens what the SDK uploaded for a ``file_uploadable``
argument, refusing keys of other projects; `publish(...)` stores bytes a tool
returns and gives the ``{"name", "mimetype", "s3url"}`` the SDK downloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from valetkey.core.settings import Settings
from valetkey.files.signing import load_or_create_key, sign
from valetkey.files.storage import FileNotStaged, FileStorage, StoredFile

DOWNLOAD_TTL_SECONDS = 3600
UPLOAD_TTL_SECONDS = 3600
STORAGE_PATH = "/api/v3/files/storage/"


@dataclass(frozen=True)
class FileService:
    """The installation's file storage and URL signing key."""

    storage: FileStorage
    secret: bytes
    public_url: str

    def url(self, action: str, key: str, ttl: int) -> str:
        return f"{self.public_url.rstrip('/')}{STORAGE_PATH}{sign(self.secret, action, key, ttl)}"


def file_service(settings: Settings) -> FileService:
    """The installation's `FileService` under ``VALETKEY_HOME/files`` (built once, `AppState.files`)."""
    root = Path(settings.home) / "files"
    return FileService(FileStorage(root), load_or_create_key(root / "signing.key"), settings.public_url)


@dataclass(frozen=True)
class ProjectFiles:
    service: FileService
    project_id: str
    toolkit: str
    tool: str

    def read(self, uploadable: Any) -> StoredFile:
        """The file a ``{"name", "mimetype", "s3key"}`` argument names, if it is this project's."""
        if not isinstance(uploadable, dict) or not isinstance(uploadable.get("s3key"), str):
            raise FileNotStaged("expected {name, mimetype, s3key} from the SDK's file upload")
        stored = self.service.storage.read(uploadable["s3key"], self.project_id)
        name = uploadable.get("name") or stored.name
        return StoredFile(stored.key, name, uploadable.get("mimetype") or stored.mimetype, stored.data)

    def publish(self, name: str, mimetype: str, data: bytes) -> dict[str, str]:
        """Store a file the tool returns; the answer is what the SDK's ``file_downloadable`` expects."""
        key = self.service.storage.new_key(self.project_id, "responses", self.toolkit, self.tool, name)
        self.service.storage.save(key, name=name, mimetype=mimetype, data=data)
        return {
            "name": name,
            "mimetype": mimetype,
            "s3url": self.service.url("get", key, DOWNLOAD_TTL_SECONDS),
        }
