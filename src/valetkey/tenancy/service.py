"""Organizations, projects and their keys: plain functions over a Session."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from valetkey.core.errors import Conflict, NotFound, ValidationError
from valetkey.core.ids import hash_secret, new_id, new_secret
from valetkey.store.db import utcnow
from valetkey.tenancy.models import DEFAULT_PROJECT_CONFIG, Organization, OrgApiKey, Project, ProjectApiKey

DEFAULT_ORG_NAME = "default"
PROJECT_NAME = re.compile(r"^[a-zA-Z0-9_-]{3,75}$")
CONFIG_KEYS = set(DEFAULT_PROJECT_CONFIG)


@dataclass(frozen=True)
class NewKey:
    """A key at the one moment its plain value exists."""

    id: str
    name: str
    key: str
    created_at: Any


def _hint(secret: str) -> str:
    return secret[:3] + "…" + secret[-4:]


def create_org(db: Session, name: str) -> tuple[Organization, NewKey]:
    org = Organization(id=new_id("org"), name=name)
    db.add(org)
    db.flush()
    return org, create_org_key(db, org.id)


def create_org_key(db: Session, org_id: str, name: str = "default") -> NewKey:
    secret = new_secret("oak")
    row = OrgApiKey(
        id=new_id("oak"), org_id=org_id, name=name, key_hash=hash_secret(secret), hint=_hint(secret)
    )
    db.add(row)
    db.flush()
    return NewKey(row.id, row.name, secret, row.created_at)


def default_org(db: Session) -> Organization:
    org = db.scalars(
        select(Organization).where(Organization.name == DEFAULT_ORG_NAME).order_by(Organization.created_at)
    ).first()
    if org is None:
        org = Organization(id=new_id("org"), name=DEFAULT_ORG_NAME)
        db.add(org)
        db.flush()
    return org


def validate_project_name(name: str) -> None:
    if not PROJECT_NAME.match(name or ""):
        raise ValidationError(
            f"Invalid project name {name!r}",
            suggested_fix="Use 3 to 75 characters: letters, digits, '-' and '_'.",
        )


def validate_config(config: dict[str, Any]) -> dict[str, Any]:
    unknown = set(config) - CONFIG_KEYS
    if unknown:
        raise ValidationError(
            f"Unknown project setting(s): {', '.join(sorted(unknown))}",
            suggested_fix=f"Known settings: {', '.join(sorted(CONFIG_KEYS))}.",
        )
    if "log_visibility_setting" in config and config["log_visibility_setting"] not in (
        "show_all",
        "dont_store_data",
    ):
        raise ValidationError("log_visibility_setting must be 'show_all' or 'dont_store_data'")
    return config


def create_project(db: Session, org_id: str, name: str, *, config: dict[str, Any] | None = None) -> Project:
    """A new project with the default config under `config`; its first key is `create_project_key`."""
    validate_project_name(name)
    taken = db.scalar(
        select(Project.id).where(Project.org_id == org_id, Project.name == name, Project.deleted.is_(False))
    )
    if taken:
        raise Conflict(f"A project named {name!r} already exists", suggested_fix="Choose another name.")
    project = Project(
        id=new_id("proj"),
        org_id=org_id,
        name=name,
        config={**DEFAULT_PROJECT_CONFIG, **validate_config(config or {})},
    )
    db.add(project)
    db.flush()
    return project


def create_project_key(db: Session, project_id: str, name: str = "default") -> NewKey:
    secret = new_secret("ak")
    row = ProjectApiKey(
        id=new_id("key"), project_id=project_id, name=name, key_hash=hash_secret(secret), hint=_hint(secret)
    )
    db.add(row)
    db.flush()
    return NewKey(row.id, row.name, secret, row.created_at)


def list_projects(db: Session, org_id: str) -> list[Project]:
    return list(
        db.scalars(
            select(Project)
            .where(Project.org_id == org_id, Project.deleted.is_(False))
            .order_by(Project.created_at, Project.id)
        )
    )


def get_project(db: Session, org_id: str, project_id: str) -> Project:
    project = db.get(Project, project_id)
    if project is None or project.org_id != org_id or project.deleted:
        raise NotFound(f"Project {project_id} not found")
    return project


def project_keys(db: Session, project_id: str) -> list[ProjectApiKey]:
    return list(
        db.scalars(
            select(ProjectApiKey)
            .where(ProjectApiKey.project_id == project_id)
            .order_by(ProjectApiKey.created_at)
        )
    )


def delete_project(db: Session, project: Project) -> None:
    """Soft-delete: the row stays for audit, its keys stop working at once."""
    project.deleted = True
    project.updated_at = utcnow()
    for key in project_keys(db, project.id):
        db.delete(key)


def regenerate_key(db: Session, project: Project) -> NewKey:
    for key in project_keys(db, project.id):
        db.delete(key)
    db.flush()
    return create_project_key(db, project.id)


def update_config(project: Project, changes: dict[str, Any]) -> dict[str, Any]:
    validate_config(changes)
    project.config = {**DEFAULT_PROJECT_CONFIG, **(project.config or {}), **changes}
    project.updated_at = utcnow()
    return project.config


def project_is_live(db: Session, project_id: str) -> bool:
    """Whether the project exists and is not deleted: the check behind every keyless capability
    (Connect Links, signed file URLs, per-user MCP URLs, OAuth callbacks)."""
    return bool(db.scalar(select(Project.id).where(Project.id == project_id, Project.deleted.is_(False))))


def project_for_key(db: Session, secret: str) -> Project | None:
    row = db.execute(
        select(Project)
        .join(ProjectApiKey, ProjectApiKey.project_id == Project.id)
        .where(ProjectApiKey.key_hash == hash_secret(secret), Project.deleted.is_(False))
    ).scalar_one_or_none()
    return row


def org_for_key(db: Session, secret: str) -> Organization | None:
    return db.execute(
        select(Organization)
        .join(OrgApiKey, OrgApiKey.org_id == Organization.id)
        .where(OrgApiKey.key_hash == hash_secret(secret))
    ).scalar_one_or_none()
