"""The Scalekit origin's tricky parts on their own: client credentials and their tokens on a real
database, the status mapping, Scalekit's tool names and Struct numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from valetkey.core.errors import NotFound
from valetkey.store.db import utcnow
from valetkey.tenancy import clients, service
from valetkey.tenancy.models import ClientAccessToken, ClientCredential, Project

pytest.importorskip("scalekit")


def test_credentials_tokens_expiry_revocation_and_deleted_projects(server):
    project = server.new_project()
    other = server.new_project()
    with server.state.db.session() as db:
        pair = clients.issue(db, project.id)
    with server.state.db.session() as db:
        stored = db.get(ClientCredential, pair.client_id)
        assert stored is not None and pair.client_secret not in (stored.secret_hash, stored.hint)
        assert clients.grant(db, pair.client_id, "vks_wrong") is None
        assert clients.grant(db, "vkc_unknown", pair.client_secret) is None
        token = clients.grant(db, pair.client_id, pair.client_secret)
        assert token is not None and token.expires_in == clients.ACCESS_TOKEN_TTL.total_seconds()
        assert db.get(ClientAccessToken, token.token) is None  # stored hashed
    with server.state.db.session() as db:
        found = clients.project_for_token(db, token.token)
        assert found is not None and found.id == project.id
        assert clients.project_for_token(db, "vkat_forged") is None
        assert clients.project_for_token(db, "not-even-prefixed") is None
        db.execute(update(ClientAccessToken).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    with server.state.db.session() as db:
        assert clients.project_for_token(db, token.token) is None  # expired
        fresh = clients.grant(db, pair.client_id, pair.client_secret)
        assert fresh is not None
    with server.state.db.session() as db:
        with pytest.raises(NotFound):
            clients.revoke(db, other.id, pair.client_id)  # another project's pair is not found there
    with server.state.db.session() as db:
        assert clients.project_for_token(db, fresh.token) is not None
        clients.revoke(db, project.id, pair.client_id)
    with server.state.db.session() as db:
        assert clients.project_for_token(db, fresh.token) is None
        assert clients.grant(db, pair.client_id, pair.client_secret) is None
        second = clients.issue(db, project.id)
        live = clients.grant(db, second.client_id, second.client_secret)
        assert live is not None
        service.delete_project(db, db.get(Project, project.id))
    with server.state.db.session() as db:
        assert clients.project_for_token(db, live.token) is None
        assert clients.grant(db, second.client_id, second.client_secret) is None


def test_status_mapping_as_documented():
    from scalekit.v1.connected_accounts import connected_accounts_pb2 as pb

    from valetkey.api.scalekit.accounts import connector_status
    from valetkey.connections.models import ConnectedAccount

    now = utcnow()

    def status(value: str, *, disabled: bool = False, changed: dt.datetime = now) -> str:
        account = ConnectedAccount(status=value, is_disabled=disabled, status_changed_at=changed)
        return pb.ConnectorStatus.Name(connector_status(account, now))

    assert status("ACTIVE") == "ACTIVE"
    assert status("INITIATED") == status("INITIALIZING") == "PENDING_AUTH"
    assert status("INITIATED", changed=now - dt.timedelta(minutes=11)) == "EXPIRED"
    assert status("EXPIRED") == status("FAILED") == "EXPIRED"
    assert status("REVOKED") == status("INACTIVE") == status("ACTIVE", disabled=True) == "DISCONNECTED"


def test_scalekit_tool_names_and_struct_numbers():
    from google.protobuf import struct_pb2

    from valetkey.api.scalekit.tools import struct_values, tool_slug

    assert tool_slug("gmail_fetch_mails") == tool_slug("GMAIL_FETCH_EMAILS") == "GMAIL_FETCH_EMAILS"
    assert tool_slug("github_create_issue") == "GITHUB_CREATE_ISSUE"
    struct = struct_pb2.Struct()
    struct.update({"max_results": 5, "ratio": 0.5, "nested": {"n": [1, 2.5]}, "q": "is:unread"})
    assert struct_values(struct) == {
        "max_results": 5,
        "ratio": 0.5,
        "nested": {"n": [1, 2.5]},
        "q": "is:unread",
    }
    assert isinstance(struct_values(struct)["max_results"], int)
