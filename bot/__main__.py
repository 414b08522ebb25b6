"""`python -m bot <command>`: the project's own command line.

build-nlp DIR     write the spaCy pipeline (blank English + entity ruler) to DIR
tickets ...       support tickets: list, show, export, retry, close (bot/tickets/cli.py)
db upgrade        create or upgrade the ticket database's schema (Alembic migrations)
report ...        the staff dashboard's figures as JSON or CSV (bot/analytics/cli.py)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.analytics.cli import add_commands as add_report_commands
from bot.tickets.cli import add_commands as add_ticket_commands


def _build_nlp(args: argparse.Namespace) -> int:
    from bot.nlp.builder import build_pipeline

    path = build_pipeline(args.output)
    print(f"spaCy pipeline written to {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Recovery bot tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build-nlp", help="build the project's spaCy pipeline")
    build.add_argument("output", type=Path)
    build.set_defaults(handler=_build_nlp)
    add_ticket_commands(commands)
    add_report_commands(commands)
    args = parser.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
