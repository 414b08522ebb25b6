"""`python -m bot report`: the dashboard's figures as JSON or CSV, for spreadsheets and scripts.

    python -m bot report --since 7d                     the whole report as JSON
    python -m bot report --since 24h --format csv       the daily rows (day, channel, ...) as CSV
    python -m bot report --format csv --table paths     another table: paths, dropoffs, ...
The stores are the bot's own (TRACKER_DB_URL, TICKETS_DB_URL; bot/settings.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from typing import Any

from bot.analytics.report import TABLES, build_report, parse_since, to_csv
from bot.analytics.sources import reading_engine
from bot.settings import Settings


def _report(args: argparse.Namespace) -> int:
    now = datetime.now(timezone.utc)
    try:
        since = parse_since(args.since, now)
    except ValueError as error:
        print(f"python -m bot report: {error}", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    events = reading_engine(settings.tracker_db_url)
    if events is None:
        print(f"no conversations stored yet ({settings.tracker_db_url} does not exist)", file=sys.stderr)
        return 1
    report = build_report(
        events, reading_engine(settings.tickets_db_url), since, now, idle_seconds=args.idle_minutes * 60
    )
    if args.format == "json":
        json.dump(report.as_dict(), sys.stdout, indent=2)
        print()
    else:
        sys.stdout.write(to_csv(report.table(args.table)))
    return 0


def add_commands(commands: Any) -> None:
    """Adds the `report` command to `python -m bot`."""
    report = commands.add_parser("report", help="the dashboard's figures (JSON or CSV)")
    report.add_argument("--since", default="7d", help="7d, 24h, 30m or an ISO date (default 7d)")
    report.add_argument("--format", choices=("json", "csv"), default="json")
    report.add_argument("--table", choices=TABLES, default="daily", help="with --format csv (default daily)")
    report.add_argument(
        "--idle-minutes", type=float, default=30, help="quiet this long without an outcome = a drop-off"
    )
    report.set_defaults(handler=_report)
