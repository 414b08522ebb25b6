"""`python -m bot tickets ...` and `python -m bot db ...`, as staff use them."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.__main__ import main
from bot.tickets.db import Database
from bot.tickets.request import TicketRequest
from bot.tickets.store import TicketStore

MakeRequest = Callable[..., TicketRequest]


@pytest.fixture
def tickets_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TICKETS_DB_URL", db_url)
    monkeypatch.delenv("HELPDESK", raising=False)
    return db_url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def open_tickets(
    database: Database, make_request: MakeRequest, count: int, helpdesk: str | None
) -> list[str]:
    store = TicketStore(database)
    return [store.open(make_request(sender_id=f"p{n}"), helpdesk).ticket.public_id for n in range(count)]


def test_list_shows_tickets_newest_first(
    tickets_db: str, database: Database, make_request: MakeRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = open_tickets(database, make_request, 2, None)
    code, out, _ = run(capsys, "tickets", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "OPENED", "STATUS", "CONTACT", "CASE", "HELPDESK"]
    assert lines[1].startswith(second) and lines[2].startswith(first)
    assert "work_school/locked_out" in lines[1] and "kept locally (no helpdesk)" in lines[1]
    assert lines[-1] == "2 ticket(s)."


def test_show_prints_the_whole_ticket(
    tickets_db: str, database: Database, make_request: MakeRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    [public_id] = open_tickets(database, make_request, 1, None)
    code, out, _ = run(capsys, "tickets", "show", public_id.lower())
    assert code == 0
    assert f"Ticket:         {public_id}" in out
    assert "Contact:        jane@example.com" in out
    assert "Recovery path:  work_school.locked_out" in out
    assert "Person: no" in out


def test_export_writes_csv_and_json(
    tickets_db: str,
    database: Database,
    make_request: MakeRequest,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    ids = open_tickets(database, make_request, 3, None)
    TicketStore(database).close(ids[0])
    code, out, _ = run(capsys, "tickets", "export", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [row["public_id"] for row in rows] == ids
    assert rows[0]["status"] == "closed" and rows[1]["contact_email"] == "jane@example.com"
    code, out, _ = run(
        capsys,
        "tickets",
        "export",
        "--format",
        "json",
        "--status",
        "open",
        "--output",
        str(tmp_path / "t.json"),
    )
    exported = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    assert code == 0 and out.strip() == f"2 ticket(s) written to {tmp_path / 't.json'}"
    assert [ticket["public_id"] for ticket in exported] == ids[1:]
    assert exported[0]["forwarding_state"] is None and exported[0]["is_admin"] is False


def test_close_closes_and_a_bad_id_is_a_clear_error(
    tickets_db: str, database: Database, make_request: MakeRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    [public_id] = open_tickets(database, make_request, 1, None)
    code, out, _ = run(capsys, "tickets", "close", public_id)
    assert (code, out.strip()) == (0, f"{public_id} closed (kept locally (no helpdesk)).")
    assert run(capsys, "tickets", "show", "RB-ZZZZZZ") == (1, "", "error: no ticket RB-ZZZZZZ\n")
    assert run(capsys, "tickets", "close", "hello") == (
        1,
        "",
        "error: 'hello' is not a ticket id (they look like RB-7K3P9Q)\n",
    )


def test_retry_forwards_waiting_tickets_now_and_reports_failures(
    tickets_db: str,
    database: Database,
    make_request: MakeRequest,
    helpdesk: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HELPDESK", "webhook")
    monkeypatch.setenv("HELPDESK_URL", helpdesk.url_for("/hook"))
    monkeypatch.setenv("HELPDESK_WEBHOOK_SECRET", "secret")
    accepted, refused = open_tickets(database, make_request, 2, "webhook")

    def refuse_one(request: Request) -> Response:
        status = 400 if refused in request.get_data(as_text=True) else 201
        return Response("no such group", status=status)

    helpdesk.expect_request("/hook", method="POST").respond_with_handler(refuse_one)
    code, out, _ = run(capsys, "tickets", "retry")
    assert code == 2
    assert f"{accepted}  sent: {accepted}" in out  # an empty answer: the reference is our id
    assert f"{refused}  rejected: 400 BAD REQUEST: no such group" in out
    assert "1 of 2 ticket(s) forwarded to webhook." in out
    code, out, _ = run(capsys, "tickets", "list", "--forwarding", "rejected")
    assert "REFUSED by webhook: 400 BAD REQUEST: no such group" in out
    code, out, _ = run(capsys, "tickets", "retry")
    assert "0 of 0 ticket(s)" in out and f"1 refused earlier (not retried; add --rejected): {refused}" in out


def test_an_unreachable_database_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TICKETS_DB_URL", "postgresql://bot:hunter2@127.0.0.1:1/tickets")
    code, out, err = run(capsys, "tickets", "list")
    assert code == 2 and out == ""
    assert err.startswith("error: cannot use the ticket database postgresql://bot:***@127.0.0.1:1/tickets:")
    assert "hunter2" not in err and "Traceback" not in err


def test_db_upgrade_creates_the_schema_that_commands_need(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TICKETS_DB_URL", f"sqlite:///{tmp_path / 'new.db'}")
    code, _, err = run(capsys, "tickets", "list")
    assert code == 2 and "run `python -m bot db upgrade`" in err
    code, out, _ = run(capsys, "db", "upgrade")
    assert code == 0 and "is at schema 0002 (the newest)" in out
    assert run(capsys, "tickets", "list")[:2] == (0, "No tickets.\n")
