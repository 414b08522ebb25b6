"""Staff commands: `python -m bot privacy purge|export|delete`.

purge                         deletes conversations idle longer than CONVERSATIONS_RETENTION_DAYS
                              and closed or forwarded tickets older than TICKETS_RETENTION_DAYS
export --email E | --conversation ID [--output FILE]
                              a person's tickets and conversations as JSON (a GDPR access request)
delete --email E | --conversation ID [--yes]
                              deletes them (without --yes: only says what would be deleted)
Each command appends a line to the audit trail (AUDIT_LOG). Conversations are read from the
tracker store (TRACKER_DB_URL), tickets from the ticket database (TICKETS_DB_URL).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from bot.privacy.audit import audit, subject_hash
from bot.privacy.conversations import Conversations
from bot.settings import PrivacySettings, Settings
from bot.tickets.cli import CommandError, Handler, export_row, run
from bot.tickets.desk import TicketDesk
from bot.tickets.store import TicketRecord


@dataclass(frozen=True)
class PersonalData:
    """What the stores hold about one person."""

    tickets: list[TicketRecord]
    conversations: list[str]  # sender ids

    @property
    def summary(self) -> str:
        """What was found, in one line."""
        return f"{len(self.tickets)} ticket(s) and {len(self.conversations)} conversation(s)"


def _held_elsewhere(found: PersonalData) -> list[str]:
    """Copies outside these stores: tickets the helpdesk accepted."""
    return [
        f"ticket {r.ticket.public_id} is {r.ticket.helpdesk_reference} in {r.ticket.helpdesk}"
        for r in found.tickets
        if r.ticket.helpdesk_reference
    ]


def _subject(args: argparse.Namespace) -> tuple[str, str]:
    if bool(args.email) == bool(args.conversation):
        raise CommandError("give exactly one of --email or --conversation")
    return ("email", args.email.strip()) if args.email else ("conversation", args.conversation.strip())


def find_personal_data(desk: TicketDesk, conversations: Conversations, kind: str, value: str) -> PersonalData:
    """A person's tickets and conversations: by contact address (tickets with it, the
    conversations that opened them or mention it) or by one conversation id (and its tickets)."""
    if kind == "email":
        tickets = desk.of_person(email=value)
        senders = {record.ticket.sender_id for record in tickets} | set(conversations.mentioning(value))
    else:
        tickets = desk.of_person(sender_ids=[value])
        senders = {value}
    present = [sender for sender in sorted(senders) if conversations.events_of(sender)]
    return PersonalData(tickets, present)


def _conversations() -> Conversations:
    settings = Settings.from_env()
    return Conversations(settings.tracker_db_url, settings.lock_store_url)


def _export(desk: TicketDesk, args: argparse.Namespace, out: TextIO) -> int:
    kind, value = _subject(args)
    conversations = _conversations()
    try:
        found = find_personal_data(desk, conversations, kind, value)
        document: dict[str, Any] = {
            "request": {kind: value},
            "tickets": [export_row(record) for record in found.tickets],
            "conversations": {sender: conversations.events_of(sender) for sender in found.conversations},
            "held_elsewhere": _held_elsewhere(found),
        }
    finally:
        conversations.dispose()
    text = json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"{found.summary} written to {args.output}", file=out)
    else:
        out.write(text)
    _audit("export", kind, value, found)
    return 0


def _delete(desk: TicketDesk, args: argparse.Namespace, out: TextIO) -> int:
    kind, value = _subject(args)
    conversations = _conversations()
    try:
        found = find_personal_data(desk, conversations, kind, value)
        if not args.yes:
            print(f"would delete {found.summary}; run again with --yes to delete them", file=out)
            return 0
        desk.delete([record.ticket.public_id for record in found.tickets])
        events = conversations.delete(found.conversations)
    finally:
        conversations.dispose()
    print(f"deleted {found.summary} ({events} events)", file=out)
    for copy in _held_elsewhere(found):
        print(f"  delete it there too: {copy}", file=out)
    _audit("delete", kind, value, found)
    return 0


def _purge(desk: TicketDesk, args: argparse.Namespace, out: TextIO) -> int:
    settings = PrivacySettings.from_env()
    conversation_days = args.conversation_days or settings.conversations_retention_days
    ticket_days = args.ticket_days or settings.tickets_retention_days
    now = desk.now()
    conversations = _conversations()
    try:
        idle = conversations.idle_since(now - timedelta(days=conversation_days))
        old_tickets = desk.finished_before(now - timedelta(days=ticket_days))
        verb = "would delete" if args.dry_run else "deleted"
        if not args.dry_run:
            conversations.delete(idle)
            desk.delete(old_tickets)
    finally:
        conversations.dispose()
    print(f"{verb} {len(idle)} conversation(s) idle over {conversation_days} days", file=out)
    print(f"{verb} {len(old_tickets)} closed or forwarded ticket(s) older than {ticket_days} days", file=out)
    if not args.dry_run:
        audit(
            settings.audit_log,
            "purge",
            conversations=len(idle),
            tickets=len(old_tickets),
            conversation_days=conversation_days,
            ticket_days=ticket_days,
        )
    return 0


def _audit(action: str, kind: str, value: str, found: PersonalData) -> None:
    audit(
        PrivacySettings.from_env().audit_log,
        action,
        subject=f"{kind}:{subject_hash(value)}",
        tickets=[record.ticket.public_id for record in found.tickets],
        conversations=len(found.conversations),
    )


def add_commands(commands: Any) -> None:
    """Adds `privacy` to the `python -m bot` argument parser."""
    privacy = commands.add_parser("privacy", help="retention and a person's data: purge, export, delete")
    privacy_commands = privacy.add_subparsers(dest="privacy_command", required=True)

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = privacy_commands.add_parser(name, help=help_text)
        parser.set_defaults(handler=partial(run, handler))
        return parser

    purge = command("purge", _purge, "delete conversations and tickets past their retention")
    purge.add_argument("--conversation-days", type=int, help="instead of CONVERSATIONS_RETENTION_DAYS")
    purge.add_argument("--ticket-days", type=int, help="instead of TICKETS_RETENTION_DAYS")
    purge.add_argument("--dry-run", action="store_true", help="only count what would be deleted")
    for name, handler, help_text in (
        ("export", _export, "a person's tickets and conversations as JSON"),
        ("delete", _delete, "delete a person's tickets and conversations"),
    ):
        parser = command(name, handler, help_text)
        parser.add_argument("--email", help="the contact address the person gave")
        parser.add_argument("--conversation", help="a conversation (sender) id")
        if name == "export":
            parser.add_argument("--output", type=Path, help="write to this file instead of the terminal")
        else:
            parser.add_argument("--yes", action="store_true", help="really delete")
