"""Operator accounts for the dashboard: argon2id passwords, org memberships, browser sessions.

An operator is a person who administers organizations through `/dashboard`; it
is not a project or an end user. Passwords are hashed with argon2id
(`argon2-cffi`'s defaults: RFC 9106's second recommended profile). A dashboard
session is a random token given to the browser once, in a cookie; only its
SHA-256 is stored, so a database read does not yield a usable session. Each
session expires (`SESSION_SECONDS` after it was opened) and logging out
deletes it.

The CSRF token of a session is derived from the session token (an HMAC), so
it needs no storage and changes with each session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from valetkey.core.errors import Conflict, NotFound, ValidationError
from valetkey.core.ids import hash_secret, new_id
from valetkey.store.db import Base, UTCDateTime, utcnow
from valetkey.tenancy.models import Organization

SESSION_SECONDS = 8 * 3600
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")
_hasher = PasswordHasher()  # argon2id, t=3, m=64 MiB, p=4
# Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class Operator(Base):
    __tablename__ = "operators"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class OperatorMembership(Base):
    __tablename__ = "operator_memberships"

    operator_id: Mapped[str] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DashboardSession(Base):
    __tablename__ = "dashboard_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    operator_id: Mapped[str] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


@dataclass(frozen=True)
class SignedIn:
    """Who a valid session cookie belongs to, and the organizations they may see."""

    operator_id: str
    email: str
    org_ids: frozenset[str]
    csrf_token: str


def normalize_email(email: str) -> str:
    value = (email or "").strip().lower()
    if not EMAIL.match(value):
        raise ValidationError(
            f"{email!r} is not an email address",
            suggested_fix="Give the operator's email, like ops@example.com.",
        )
    return value


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationError(
            f"The password is too short ({len(password)} characters)",
            suggested_fix=f"Use at least {MIN_PASSWORD} characters (a passphrase of a few words works well).",
        )
    if len(password) > MAX_PASSWORD:
        raise ValidationError(
            "The password is too long", suggested_fix=f"Use at most {MAX_PASSWORD} characters."
        )


def create_operator(db: Session, email: str, password: str, org_ids: list[str]) -> Operator:
    """A new operator, member of `org_ids` (each must exist)."""
    address = normalize_email(email)
    check_password(password)
    if db.scalar(select(Operator.id).where(Operator.email == address)):
        raise Conflict(
            f"An operator {address} already exists",
            suggested_fix="Use another email; each operator is created once.",
        )
    operator = Operator(id=new_id("op"), email=address, password_hash=_hasher.hash(password))
    db.add(operator)
    db.flush()
    for org_id in org_ids:
        add_membership(db, operator.id, org_id)
    return operator


def add_membership(db: Session, operator_id: str, org_id: str) -> None:
    if db.get(Organization, org_id) is None:
        raise NotFound(
            f"Organization {org_id} not found",
            suggested_fix="Organization ids are shown by `valetkey projects list` (org_id); create one with `valetkey orgs create NAME`.",
        )
    if db.get(OperatorMembership, (operator_id, org_id)) is None:
        db.add(OperatorMembership(operator_id=operator_id, org_id=org_id))
        db.flush()


def operator_by_email(db: Session, email: str) -> Operator | None:
    try:
        address = normalize_email(email)
    except ValidationError:
        return None
    return db.scalars(select(Operator).where(Operator.email == address)).first()


def authenticate(db: Session, email: str, password: str) -> Operator | None:
    """The operator whose email and password these are; None otherwise (in about the same time)."""
    operator = operator_by_email(db, email)
    try:
        _hasher.verify(operator.password_hash if operator else _DUMMY_HASH, password[:MAX_PASSWORD])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if operator is None:
        return None
    if _hasher.check_needs_rehash(operator.password_hash):
        operator.password_hash = _hasher.hash(password)
    return operator


def open_session(db: Session, operator_id: str, now: dt.datetime | None = None) -> str:
    """A new session's token (for the cookie; only its hash is stored)."""
    now = now or utcnow()
    token = "vkd_" + secrets.token_urlsafe(32)
    db.execute(delete(DashboardSession).where(DashboardSession.expires_at <= now))
    db.add(
        DashboardSession(
            token_hash=hash_secret(token),
            operator_id=operator_id,
            created_at=now,
            expires_at=now + dt.timedelta(seconds=SESSION_SECONDS),
        )
    )
    db.flush()
    return token


def csrf_token_for(session_token: str) -> str:
    return hmac.new(session_token.encode(), b"valetkey-dashboard-csrf", hashlib.sha256).hexdigest()


def signed_in(db: Session, token: str, now: dt.datetime | None = None) -> SignedIn | None:
    """The operator of a live session token; None for an unknown or expired one."""
    if not token or len(token) > 200:
        return None
    row = db.get(DashboardSession, hash_secret(token))
    if row is None or row.expires_at <= (now or utcnow()):
        return None
    operator = db.get(Operator, row.operator_id)
    if operator is None:
        return None
    return SignedIn(
        operator.id, operator.email, frozenset(operator_orgs(db, operator.id)), csrf_token_for(token)
    )


def operator_orgs(db: Session, operator_id: str) -> list[str]:
    return list(
        db.scalars(
            select(OperatorMembership.org_id)
            .where(OperatorMembership.operator_id == operator_id)
            .order_by(OperatorMembership.created_at, OperatorMembership.org_id)
        )
    )


def close_session(db: Session, token: str) -> None:
    db.execute(delete(DashboardSession).where(DashboardSession.token_hash == hash_secret(token)))
