"""A playbook entry as each channel shows it, for support staff editing the playbook.

`python -m bot entry <id> --channel slack|teams|widget|all` prints it (bot/__main__.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from bot.playbook import PlaybookEntry
from bot.rendering.markdown import entry_markdown
from bot.rendering.slack import slack_blocks, slack_mrkdwn
from bot.rendering.teams import teams_markdown


def _widget(markdown: str) -> str:
    # The widget receives the neutral markdown as it is and renders it in the browser
    # (web/src/markdown.js: bold, links, numbered lists).
    return markdown


def _slack(markdown: str) -> str:
    blocks = json.dumps(slack_blocks(markdown), indent=2, ensure_ascii=False)
    return f"{slack_mrkdwn(markdown)}\n\n--- Block Kit blocks ---\n{blocks}"


RENDERERS: dict[str, Callable[[str], str]] = {
    "widget": _widget,
    "slack": _slack,
    "teams": teams_markdown,
}
CHANNELS = (*RENDERERS, "all")


def preview(entry: PlaybookEntry, channel: str) -> str:
    """The entry's message on `channel` ("all": every channel, each under a heading)."""
    markdown = entry_markdown(entry)
    names = list(RENDERERS) if channel == "all" else [channel]
    parts = [f"=== {name} ===\n{RENDERERS[name](markdown)}" for name in names]
    if entry.offer_ticket:
        parts.append('(The bot then offers a person: "Talk to a person" opens a support ticket.)')
    return "\n\n".join(parts)


def sources_report(entry: PlaybookEntry) -> str:
    """Which source each step and warning cites, and when the entry was last checked."""
    lines = [f"{entry.id}: checked {entry.checked.isoformat()}"]
    for kind, texts, cited in (
        ("step", entry.steps, entry.step_sources),
        ("warning", entry.warnings, entry.warning_sources),
    ):
        for number, (_text, pages) in enumerate(zip(texts, cited, strict=True), 1):
            keys = ", ".join(f"{page.key}{' (Q&A)' if page.qa else ''}" for page in pages)
            lines.append(f"  {kind} {number}: {keys}")
    return "\n".join(lines)
