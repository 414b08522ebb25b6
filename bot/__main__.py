"""`python -m bot <command>`: the project's own command line.

config            print the effective configuration, secrets masked; a bad variable is named
build-nlp DIR     write the spaCy pipeline (blank English + entity ruler) to DIR
entry ID          print a playbook entry as the bot sends it (--channel slack|teams|widget|all)
entries           list the playbook's entries, or check it (--check): docs/editing-content.md
tickets ...       support tickets: list, show, export, retry, close (bot/tickets/cli.py)
db upgrade        create or upgrade the ticket database's schema (Alembic migrations)
report ...        the staff dashboard's figures as JSON or CSV (bot/analytics/cli.py)
privacy ...       retention purge, a person's export and deletion (bot/privacy/cli.py)
handoff ...       live handoff: kept agent replies, feedback (bot/handoff/cli.py)
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.analytics.cli import add_commands as add_report_commands
from bot.handoff.cli import add_commands as add_handoff_commands
from bot.privacy.cli import add_commands as add_privacy_commands
from bot.rendering.preview import CHANNELS
from bot.tickets.cli import add_commands as add_ticket_commands

if TYPE_CHECKING:
    from bot.playbook import Playbook


def _config(args: argparse.Namespace) -> int:
    from bot.settings import Configuration, ConfigurationError, HelpdeskSettings
    from bot.tickets.forwarders import forwarder_for

    try:
        configuration = Configuration.from_env()
        forwarder_for(HelpdeskSettings.from_env())  # what the chosen helpdesk needs (as the servers check)
    except ConfigurationError as unusable:
        print(f"The configuration is not usable:\n{unusable}", file=sys.stderr)
        return 2
    print("\n".join(configuration.lines()))
    return 0


def _build_nlp(args: argparse.Namespace) -> int:
    from bot.nlp.builder import build_pipeline

    path = build_pipeline(args.output)
    print(f"spaCy pipeline written to {path}")
    return 0


def _checked_playbook() -> Playbook | None:
    """The playbook with every check the tests make (so staff see an error before CI does)."""
    from bot.playbook import PlaybookError, load_playbook

    try:
        return load_playbook()
    except PlaybookError as error:
        print(f"The playbook has an error: {error}", file=sys.stderr)
        return None


def _entry(args: argparse.Namespace) -> int:
    from bot.rendering.preview import preview, sources_report

    playbook = _checked_playbook()
    if playbook is None:
        return 1
    entry = playbook.find(args.id)
    if entry is None:
        close = difflib.get_close_matches(args.id, [e.id for e in playbook.entries], n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else " See `python -m bot entries`."
        print(f"No playbook entry {args.id!r}.{hint}", file=sys.stderr)
        return 1
    print(preview(entry, args.channel))
    if args.sources:
        print(f"\n{sources_report(entry)}")
    return 0


def _entries(args: argparse.Namespace) -> int:
    playbook = _checked_playbook()
    if playbook is None:
        return 1
    if args.check:
        print(f"The playbook is valid: {len(playbook.entries)} entries, each checked within 12 months.")
        return 0
    for entry in playbook.entries:
        when = ", ".join(f"{name}={'|'.join(sorted(map(str, v)))}" for name, v in entry.when.items())
        print(f"{entry.id:45} checked {entry.checked}  when {when}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m bot`: the staff and build commands; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Recovery bot tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    config = commands.add_parser("config", help="print the effective configuration, secrets masked")
    config.set_defaults(handler=_config)
    build = commands.add_parser("build-nlp", help="build the project's spaCy pipeline")
    build.add_argument("output", type=Path)
    build.set_defaults(handler=_build_nlp)
    show = commands.add_parser("entry", help="print a playbook entry as each channel shows it")
    show.add_argument("id", help="the entry id, e.g. personal.locked_out")
    show.add_argument("--channel", choices=CHANNELS, default="all")
    show.add_argument("--sources", action="store_true", help="also list each step's sources")
    show.set_defaults(handler=_entry)
    listing = commands.add_parser("entries", help="list the playbook's entries")
    listing.add_argument("--check", action="store_true", help="only validate the playbook")
    listing.set_defaults(handler=_entries)
    add_ticket_commands(commands)
    add_report_commands(commands)
    add_privacy_commands(commands)
    add_handoff_commands(commands)
    args = parser.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
