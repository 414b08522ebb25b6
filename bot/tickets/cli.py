"""Staff commands: `python -m bot tickets list|show|export|retry|close` and `python -m bot db upgrade`.

Errors (an unknown id, an unreachable or outdated database, a helpdesk left half
configured) print one line to stderr and exit non-zero, without a traceback.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.exc import SQLAlchemyError

from bot.tickets.db import DatabaseError, display_url
from bot.tickets.desk import TicketDesk
from bot.tickets.forwarders import ConfigurationError
from bot.tickets.ids import find_ticket_id
from bot.tickets.models import CANCELLED, DELIVERED, DELIVERY_STATES, FOUND, REJECTED, SENT, STATUSES
from bot.tickets.store import TicketNotFound, TicketRecord

NOT_FOUND, FAILED = 1, 2  # exit codes: nothing to act on / could not work at all


class CommandError(Exception):
    """A staff command that cannot be done; its message is printed, and it sets the exit code."""
    def __init__(self, message: str, exit_code: int = NOT_FOUND) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def _ticket_id(text: str) -> str:
    ticket_id = find_ticket_id(text)
    if ticket_id is None:
        raise CommandError(f"{text!r} is not a ticket id (they look like RB-7K3P9Q)")
    return ticket_id


def forwarding_state(record: TicketRecord) -> str:
    """One phrase: where the ticket is on its way to the helpdesk."""
    delivery, ticket = record.delivery, record.ticket
    if delivery is None:
        return "kept locally (no helpdesk)"
    if delivery.state == DELIVERED:
        return f"{delivery.helpdesk} {ticket.helpdesk_reference}"
    if delivery.state == REJECTED:
        return f"REFUSED by {delivery.helpdesk}: {delivery.last_error}"
    if delivery.state == CANCELLED:
        return "not sent (closed first)"
    if delivery.attempts == 0:
        return f"waiting for {delivery.helpdesk}"
    tries = f"{delivery.attempts} tries, next {_when(delivery.next_attempt_at)}"
    return f"waiting for {delivery.helpdesk} ({tries}): {delivery.last_error}"


def _case(record: TicketRecord) -> str:
    ticket = record.ticket
    admin = " admin" if ticket.is_admin else ""
    return f"{ticket.account_type or '?'}/{ticket.lockout_state or '?'}{admin}"


def _table(rows: list[list[str]], out: TextIO) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)] + [row[-1]]
        print("  ".join(cells).rstrip(), file=out)


def _list(desk: TicketDesk, args: argparse.Namespace, out: TextIO) -> int:
    records = desk.records(args.status, args.forwarding, args.limit)
    if not records:
        print("No tickets.", file=out)
        return 0
    rows = [["ID", "OPENED", "STATUS", "CONTACT", "CASE", "HELPDESK"]]
    for record in records:
        ticket = record.ticket
        rows.append([ticket.public_id, _when(ticket.created_at), ticket.status, ticket.contact_email])
        rows[-1] += [_case(record), forwarding_state(record)]
    _table(rows, out)
    print(f"\n{len(records)} ticket(s).", file=out)
    return 0


def _show(desk: TicketDesk, args: argparse.Namespace, out: TextIO) -> int:
    record = desk.record(_ticket_id(args.id))
    ticket = record.ticket
    contact = (
        f"{ticket.contact_name} <{ticket.contact_email}>" if ticket.contact_name else ticket.contact_email
    )
    fields = [
        ("Ticket", ticket.public_id),
        ("Status", ticket.status),
        ("Opened", _when(ticket.created_at)),
        ("Closed", _when(ticket.closed_at)),
        ("Channel", f"{ticket.channel} (sender {ticket.sender_id})"),
        ("Contact", contact),
        ("Account type", ticket.account_type or "unknown"),
        ("Lockout state", ticket.lockout_state or "unknown"),
        ("Only admin", "unknown" if ticket.is_admin is None else "yes" if ticket.is_admin else "no"),
        ("Recovery path", ticket.recovery_path or "none"),
        ("Secrets masked", ticket.secrets_masked.replace(",", ", ") or "none"),
        ("Helpdesk", forwarding_state(record)),
    ]
    width = max(len(label) for label, _ in fields)
    for label, value in fields:
        print(f"{label + ':':<{width + 2}}{value}", file=out)
    print(f"\nDescription:\n{ticket.description or '(none)'}", file=out)
    print(f"\nConversation excerpt:\n{ticket.transcript or '(none)'}", file=out)
    if record.attempts:
        print("\nForwarding attempts:", file=out)
        for attempt in record.attempts:
            detail = f": {attempt.detail}" if attempt.detail else ""
            print(f"  {_when(attempt.started_at)}  {attempt.outcome}{detail}", file=out)
    return 0


TICKET_FIELDS = (
    "public_id",
    "status",
    "created_at",
    "closed_at",
    "channel",
    "sender_id",
    "contact_email",
    "contact_name",
    "account_type",
    "lockout_state",
    "is_admin",
    "recovery_path",
    "description",
    "transcript",
    "secrets_masked",
    "helpdesk",
    "helpdesk_reference",
)
EXPORT_COLUMNS = (*TICKET_FIELDS, "forwarding_state", "forwarding_attempts", "forwarding_error")


def export_row(record: TicketRecord) -> dict[str, Any]:
    """A ticket and its forwarding state as one exported row."""
    row: dict[str, Any] = {name: getattr(record.ticket, name) for name in TICKET_FIELDS}
    for name in ("created_at", "closed_at"):
        row[name] = row[name].isoformat() if row[name] else None
    delivery = record.delivery
    row["forwarding_state"] = delivery.state if delivery else None
    row["forwarding_attempts"] = delivery.attempts if delivery else 0
    row["forwarding_error"] = delivery.last_error if delivery else None
    return row


def _export(desk: TicketDesk, args: argparse.Namespace, out: TextIO) -> int:
    rows = [export_row(r) for r in reversed(desk.records(args.status, args.forwarding))]
    target = args.output.open("w", encoding="utf-8", newline="") if args.output else out
    try:
        if args.format == "json":
            json.dump(rows, target, indent=2, ensure_ascii=False)
            target.write("\n")
        else:
            writer = csv.DictWriter(target, fieldnames=EXPORT_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    finally:
        if args.output:
            target.close()
    if args.output:
        print(f"{len(rows)} ticket(s) written to {args.output}", file=out)
    return 0


def _retry(desk: TicketDesk, args: argparse.Namespace, out: TextIO) -> int:
    forwarding = desk.forwarding()
    if forwarding is None:
        raise CommandError("no helpdesk is configured (HELPDESK is unset): tickets stay in the local store")
    public_ids = [_ticket_id(text) for text in args.ids]
    for public_id in public_ids:
        desk.record(public_id)  # TicketNotFound for an unknown id
    wanted = public_ids or (desk.refused() if args.rejected else [])
    if wanted:
        desk.requeue(wanted)
    results = forwarding.run_once(ignore_schedule=True, public_ids=public_ids)
    for result in results:
        line = f"{result.public_id}  {result.outcome}: {result.detail}"
        if result.next_attempt_at:
            line += f" (next automatic try {_when(result.next_attempt_at)})"
        print(line, file=out)
    delivered = sum(r.outcome in (SENT, FOUND) for r in results)
    print(f"{delivered} of {len(results)} ticket(s) forwarded to {desk.helpdesk.kind}.", file=out)
    refused = desk.refused()
    if refused and not args.rejected:
        print(f"{len(refused)} refused earlier (not retried; add --rejected): {', '.join(refused)}", file=out)
    return 0 if delivered == len(results) else FAILED


def _close(desk: TicketDesk, args: argparse.Namespace, out: TextIO) -> int:
    record = desk.close(_ticket_id(args.id))
    print(f"{record.ticket.public_id} closed ({forwarding_state(record)}).", file=out)
    return 0


def _schema(desk: TicketDesk, out: TextIO) -> int:
    revision = desk.schema_revision()
    print(f"ticket database {display_url(desk.db.url)} is at schema {revision} (the newest)", file=out)
    return 0


def _db_upgrade(desk: TicketDesk, args: argparse.Namespace, out: TextIO) -> int:
    desk.upgrade()
    return _schema(desk, out)


def _db_current(desk: TicketDesk, args: argparse.Namespace, out: TextIO) -> int:
    desk.check_schema()
    return _schema(desk, out)


Handler = Callable[[TicketDesk, argparse.Namespace, TextIO], int]


def add_commands(commands: Any) -> None:
    """Adds `tickets` and `db` to the `python -m bot` argument parser."""
    tickets = commands.add_parser("tickets", help="support tickets: list, show, export, retry, close")
    ticket_commands = tickets.add_subparsers(dest="ticket_command", required=True)

    def filters(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--status", choices=STATUSES, help="only tickets with this status")
        parser.add_argument(
            "--forwarding", choices=DELIVERY_STATES, help="only tickets in this forwarding state"
        )

    def command(parent: Any, name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = parent.add_parser(name, help=help_text)
        parser.set_defaults(handler=partial(run, handler))
        return parser

    listing = command(ticket_commands, "list", _list, "tickets, newest first")
    filters(listing)
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50; 0: all)")
    command(ticket_commands, "show", _show, "one ticket in full").add_argument("id")
    export = command(ticket_commands, "export", _export, "tickets as CSV or JSON")
    filters(export)
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--output", type=Path, help="write to this file instead of the terminal")
    retry = command(ticket_commands, "retry", _retry, "forward waiting tickets to the helpdesk now")
    retry.add_argument("ids", nargs="*", help="only these tickets (refused ones included)")
    retry.add_argument("--rejected", action="store_true", help="also retry tickets the helpdesk refused")
    command(ticket_commands, "close", _close, "close a ticket").add_argument("id")

    db = commands.add_parser("db", help="the ticket database's schema (Alembic migrations)")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    command(db_commands, "upgrade", _db_upgrade, "create or upgrade the schema to the newest migration")
    command(db_commands, "current", _db_current, "show the schema version (fails if not the newest)")


def run(handler: Handler, args: argparse.Namespace) -> int:
    """Runs one command; errors become one line on stderr and an exit code."""
    desk = None
    try:
        desk = TicketDesk.from_env()
        if handler is not _db_upgrade:
            desk.check_schema()
        return handler(desk, args, sys.stdout)
    except TicketNotFound as error:
        print(f"error: no ticket {error.args[0]}", file=sys.stderr)
        return NOT_FOUND
    except CommandError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except (DatabaseError, ConfigurationError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return FAILED
    except SQLAlchemyError as error:
        reason = desk.unreachable(error) if desk else error
        print(f"error: {reason}", file=sys.stderr)
        return FAILED
