"""Units of the execution-log writer: repairing rows, the journal, replay by log id."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from valetkey.core.ids import new_id
from valetkey.execution.log_journal import Journal, decode_row, encode_row
from valetkey.execution.log_repair import TRUNCATED, repair_columns, repair_row, storable_text
from valetkey.execution.logs import LogWriter
from valetkey.execution.models import ExecutionLog
from valetkey.migrations.upgrade import upgrade
from valetkey.store.db import Database, utcnow


def test_storable_text_escapes_and_cuts_and_marks():
    clean = "plain-user"
    assert storable_text(clean, 255) is clean
    assert storable_text("a\x00b") == "a\\x00b"
    assert storable_text("a\ud800b") == "a\\ud800b"
    assert storable_text("é✓😀") == "é✓😀"  # valid text is left alone
    cut = storable_text("x" * 300, 255)
    assert len(cut) == 255 and cut.endswith(TRUNCATED) and cut.startswith("x" * 200)


def test_repair_row_covers_text_and_json_but_never_the_ids():
    row = _row("proj_1", user_id="u\x00" + "z" * 300, request={"k\ud800": ["v\x00", 1.5, {"n": None}]})
    fixed, changed = repair_row(row)
    assert changed == ["user_id", "request"]
    assert len(fixed["user_id"]) == 255 and "\x00" not in fixed["user_id"]
    assert fixed["request"] == {"k\\ud800": ["v\\x00", 1.5, {"n": None}]}
    assert fixed["id"] == row["id"] and row["user_id"].startswith("u\x00")  # a copy
    assert repair_columns(dict(fixed)) == []


def test_journal_line_round_trips_exactly():
    row = _row("proj_1", user_id="nul\x00", request={"a": "\x00", "b": "😀"})
    assert decode_row(encode_row(row)) == row
    with pytest.raises(UnicodeEncodeError):
        encode_row({**row, "user_id": "\ud800"})


def test_replay_skips_live_segments_and_torn_lines(tmp_path):
    live, other = Journal(tmp_path), Journal(tmp_path)
    rows = [_row("proj_1") for _ in range(3)]
    for row in rows:
        live.append(encode_row(row))
    with other.orphans() as segments:
        assert segments == []  # held by a live writer
    live.close(committed=False)  # as a crash leaves it: the lock goes with the process
    [segment] = list(tmp_path.glob("*.jsonl"))
    with segment.open("ab") as f:
        f.write(b'{"id": "log_torn", "project')  # died mid-write
    with other.orphans() as segments:
        [(path, found)] = segments
    assert found == rows
    assert not path.exists()  # replayed segments are deleted


def test_recover_inserts_missing_rows_once(tmp_path):
    db, project_id = _database(tmp_path)
    journal_dir = tmp_path / "journal"
    crashed = Journal(journal_dir)
    rows = [_row(project_id) for _ in range(5)]
    for row in rows:
        crashed.append(encode_row(row))
    crashed.close(committed=False)
    _insert(db, rows[:2])  # committed before the crash

    writer = LogWriter(db, Journal(journal_dir))
    assert asyncio.run(writer.recover()) == 3
    assert asyncio.run(writer.recover()) == 0
    with db.session() as session:
        stored = {log.id: log for log in session.query(ExecutionLog)}
    assert set(stored) == {row["id"] for row in rows}
    assert stored[rows[4]["id"]].user_id == rows[4]["user_id"]
    assert stored[rows[4]["id"]].created_at == rows[4]["created_at"]
    db.dispose()


def test_a_refused_row_is_split_out_and_the_batch_commits(tmp_path, caplog):
    db, project_id = _database(tmp_path)
    writer = LogWriter(db, Journal(tmp_path / "journal"))
    good = [_row(project_id) for _ in range(9)]
    ghost = _row("proj_gone")  # breaks the foreign key: no repair can store it

    async def run():
        for row in [*good[:4], ghost, *good[4:]]:
            writer.submit(row)
        await writer.flush()

    caplog.set_level("WARNING", logger="valetkey.execution")
    asyncio.run(run())
    with db.session() as session:
        stored = {log.id for log in session.query(ExecutionLog)}
    assert stored == {row["id"] for row in good}
    assert any(ghost["id"] in r.getMessage() and "no longer exists" in r.getMessage() for r in caplog.records)
    assert writer.pending == {}
    db.dispose()


def _row(project_id: str, **values) -> dict:
    row = {
        "id": new_id("log"),
        "project_id": project_id,
        "tool_slug": "T_TOOL",
        "toolkit_slug": "t",
        "toolkit_version": None,
        "user_id": "user-" + new_id("u"),
        "connected_account_id": None,
        "kind": "tool",
        "credential_source": "no_auth",
        "request_id": None,
        "successful": True,
        "error": None,
        "upstream_status": 200,
        "duration_ms": 1.25,
        "request": {"a": 1},
        "response": {"b": [1, 2]},
        "created_at": utcnow() - dt.timedelta(seconds=1),
    }
    row.update(values)
    return row


def _database(tmp_path) -> tuple[Database, str]:
    from valetkey.tenancy import service

    url = f"sqlite:///{tmp_path / 'logs.db'}"
    upgrade(url)
    db = Database(url)
    with db.session() as session:
        org, _ = service.create_org(session, "org-units")
        project = service.create_project(session, org.id, "units")
        return db, project.id


def _insert(db: Database, rows: list[dict]) -> None:
    from sqlalchemy import insert

    with db.session() as session:
        session.execute(insert(ExecutionLog.__table__), rows)


def test_rows_wait_in_queue_and_journal_while_the_database_is_unreachable(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'no' / 'such' / 'folder.db'}")  # cannot even be opened
    writer = LogWriter(db, Journal(tmp_path / "journal"))
    row = _row("proj_1")

    async def run():
        writer.submit(row)
        await writer.flush()
        assert writer.pending == {row["id"]: row}  # still readable by id
        await writer.close()

    asyncio.run(run())
    with Journal(tmp_path / "journal").orphans() as segments:
        [(_, rows)] = segments
    assert rows == [row]  # kept for the next start
