"""Staff commands: `python -m bot handoff kept` (agent replies that reached no chat) and
`python -m bot handoff feedback` ("did this help?" answers by moment, channel and path).

`kept` exits 1 while such replies exist, so a monitor can alert on it.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.handoff import Handoffs


def _kept(args: argparse.Namespace) -> int:
    kept = Handoffs.from_env().store.kept_messages()
    if not kept:
        print("Every agent reply reached its conversation.")
        return 0
    for message in kept:
        when = message.received_at.strftime("%Y-%m-%d %H:%M UTC")
        print(f"{when}  {message.helpdesk} {message.reference}  {message.author}: {message.body[:80]}")
        print(f"    not delivered: {message.detail}")
    return 1


def _feedback(args: argparse.Namespace) -> int:
    answers = Handoffs.from_env().feedback.answers()
    if not answers:
        print("No feedback yet.")
        return 0
    counts = Counter((a.moment, a.channel, a.recovery_path or "-", a.helped) for a in answers)
    keys = sorted({key[:3] for key in counts})
    print(f"{'after':7} {'channel':13} {'path':45} {'helped':>6} {'not':>5}")
    for moment, channel, path in keys:
        helped, missed = counts[(moment, channel, path, True)], counts[(moment, channel, path, False)]
        print(f"{moment:7} {channel:13} {path:45} {helped:6} {missed:5}")
    return 0


def _guarded(command: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            return int(command(args))
        except SQLAlchemyError as error:
            reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
            print(f"error: cannot read the handoff tables: {reason}", file=sys.stderr)
            return 2

    return run


def add_commands(commands: Any) -> None:
    """Adds the `handoff` commands (kept agent replies, feedback) to `python -m bot`."""
    handoff = commands.add_parser("handoff", help="live handoff: kept agent replies, feedback")
    sub = handoff.add_subparsers(dest="handoff_command", required=True)
    sub.add_parser("kept", help="agent replies that reached no conversation").set_defaults(
        handler=_guarded(_kept)
    )
    sub.add_parser("feedback", help='"did this help?" answers').set_defaults(handler=_guarded(_feedback))
