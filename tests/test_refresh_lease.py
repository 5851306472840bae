"""The refresh lease and the commit's compare-and-set (`valetkey.connections.refresh`), on both databases.

The provider is called between claiming the account's lease and committing
its answer, with no transaction open. These tests put something between the
two steps: a holder that died with its lease claimed, a reconnect that
replaced the grant, a key rotation that re-sealed the same grant.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest
from sqlalchemy import select, update

from tests.support.app import database_url_for, start_server
from tests.support.oauth import V3, connect_sandbox_account
from valetkey.connections import refresh
from valetkey.connections.credentials import account_credentials, open_account_state, seal_account_state
from valetkey.connections.models import ConnectedAccount
from valetkey.store.db import utcnow


@pytest.fixture(scope="module")
def quiet_server(backend, toolkits_dir, request):
    threaded, running = start_server(
        database_url_for(backend, request), catalog_dirs=[toolkits_dir], refresh_interval=0
    )
    yield running
    threaded.stop()


def row(server, account_id: str) -> ConnectedAccount:
    with server.state.db.session() as db:
        return db.scalar(select(ConnectedAccount).where(ConnectedAccount.id == account_id))


def secrets_of(server, account: ConnectedAccount) -> dict:
    return open_account_state(server.state.vault, account.project_id, account.id, account.state_encrypted)


def test_a_lease_whose_holder_died_lapses_and_the_next_caller_refreshes(quiet_server, api, provider):
    account_id = connect_sandbox_account(api, provider, lifetime=1)
    time.sleep(1.2)
    with quiet_server.state.db.session() as db:  # a process claimed the refresh, then died
        db.execute(
            update(ConnectedAccount)
            .where(ConnectedAccount.id == account_id)
            .values(refresh_lease_id="dead-holder", refresh_lease_until=utcnow() + dt.timedelta(seconds=1.5))
        )

    started = time.perf_counter()
    result = api.post(
        f"{V3}/tools/execute/OAUTHDEMO_WHOAMI", json={"connected_account_id": account_id}
    ).json()
    waited = time.perf_counter() - started

    assert result["successful"], result
    assert 1.0 < waited < 5, waited  # it waited for the lease to lapse, then refreshed
    assert provider.providers.oauth2.stats.refreshes == 1
    after = row(quiet_server, account_id)
    assert after.refresh_lease_id is None and after.refresh_lease_until is None


def test_background_sweeps_skip_an_account_under_a_live_lease(quiet_server, api, provider):
    account_id = connect_sandbox_account(api, provider, lifetime=60)  # inside the refresh margin
    before = row(quiet_server, account_id)
    with quiet_server.state.db.session() as db:
        db.execute(
            update(ConnectedAccount)
            .where(ConnectedAccount.id == account_id)
            .values(refresh_lease_id="other", refresh_lease_until=utcnow() + dt.timedelta(seconds=30))
        )
    outcome = asyncio.run(
        refresh.refresh_tokens_once(
            quiet_server.state,
            account_id,
            seen_state=before.state_encrypted,
            only_if_expiring=True,
            skip_locked=True,
        )
    )
    assert outcome.result == refresh.BUSY
    assert provider.providers.oauth2.stats.token_requests == 0


def _claimed(server, account_id: str):
    claim = refresh._claim(server.state, account_id, None, False)
    assert isinstance(claim, refresh._Claim), claim
    return claim


def test_an_answer_for_a_grant_replaced_meanwhile_is_dropped(quiet_server, api, provider):
    """The user reconnected while the provider was answering: the reconnect's tokens stay."""
    account_id = connect_sandbox_account(api, provider)
    claim = _claimed(quiet_server, account_id)
    assert row(quiet_server, account_id).refresh_lease_id == claim.lease_id
    answer = refresh._ask_provider(quiet_server.state, claim)  # a rotated refresh token comes back
    assert not isinstance(answer, Exception) and answer.secret["refresh_token"] != claim.refresh_token
    reconnect = {"access_token": "at-reconnected", "refresh_token": "rt-reconnected", "token_type": "bearer"}
    with quiet_server.state.db.session() as db:
        account = db.get(ConnectedAccount, account_id)
        account.state_encrypted = seal_account_state(
            quiet_server.state.vault, account.project_id, account.id, reconnect
        )

    outcome, expired = refresh._commit(quiet_server.state, claim, answer)

    assert outcome.result == refresh.CURRENT and expired is None
    assert outcome.values["access_token"] == "at-reconnected"
    after = row(quiet_server, account_id)
    assert secrets_of(quiet_server, after)["refresh_token"] == "rt-reconnected"
    assert after.refresh_lease_id is None  # the lease is released either way


def test_a_grant_resealed_by_key_rotation_still_takes_the_answer(quiet_server, api, provider):
    account_id = connect_sandbox_account(api, provider)
    claim = _claimed(quiet_server, account_id)
    answer = refresh._ask_provider(quiet_server.state, claim)
    with (
        quiet_server.state.db.session() as db
    ):  # same tokens, new ciphertext (as `valetkey keys rotate` does)
        account = db.get(ConnectedAccount, account_id)
        same = open_account_state(
            quiet_server.state.vault, account.project_id, account.id, account.state_encrypted
        )
        account.state_encrypted = seal_account_state(
            quiet_server.state.vault, account.project_id, account.id, same
        )

    outcome, _ = refresh._commit(quiet_server.state, claim, answer)

    assert outcome.result == refresh.REFRESHED
    stored = account_credentials(quiet_server.state.vault, row(quiet_server, account_id))
    assert stored["refresh_token"] == answer.secret["refresh_token"]  # the rotated token was kept


def test_a_second_claimer_sees_the_lease(quiet_server, api, provider):
    account_id = connect_sandbox_account(api, provider)
    first = _claimed(quiet_server, account_id)
    second = refresh._claim(quiet_server.state, account_id, None, False)
    assert isinstance(second, refresh._Held) and second.until > utcnow()
    refresh._commit(quiet_server.state, first, refresh._ask_provider(quiet_server.state, first))
    assert isinstance(refresh._claim(quiet_server.state, account_id, None, False), refresh._Claim)
