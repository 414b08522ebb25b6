"""The bot's markdown for Microsoft Teams: a markdown message, or a Hero card when it has buttons.

Teams collapses single line breaks in markdown, so every line break becomes a blank line
(which Teams shows as one line break). Hero card text takes a small HTML subset, not
markdown (https://learn.microsoft.com/microsoftteams/platform/resources/bot-v3/bots-text-formats).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from bot.rendering.inline import Segment, segments

HERO_CARD = "application/vnd.microsoft.card.hero"


def _markdown_segment(segment: Segment) -> str:
    text = html.escape(segment.text, quote=False)
    if segment.kind == "bold":
        return f"**{text}**"
    if segment.kind == "link":
        return f"[{text}]({segment.url})"
    return text


def _html_segment(segment: Segment) -> str:
    text = html.escape(segment.text, quote=False)
    if segment.kind == "bold":
        return f"<b>{text}</b>"
    if segment.kind == "link":
        return f'<a href="{html.escape(segment.url)}">{text}</a>'
    return text


def _lines(markdown: str) -> list[str]:
    return [line.strip() for line in markdown.strip().split("\n") if line.strip()]


def teams_markdown(markdown: str) -> str:
    """Markdown Teams renders line by line (numbered steps stay `1.`, `2.`, ...)."""
    return "\n\n".join("".join(_markdown_segment(s) for s in segments(line)) for line in _lines(markdown))


def teams_hero_card(markdown: str, buttons: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    """A Hero card attachment whose buttons send their payload and show their title as the reply."""
    text = "<br>".join("".join(_html_segment(s) for s in segments(line)) for line in _lines(markdown))
    return {
        "contentType": HERO_CARD,
        "content": {
            "text": text,
            "buttons": [
                {
                    "type": "messageBack",
                    "title": button["title"],
                    "text": button["payload"],
                    "displayText": button["title"],
                    "value": {"payload": button["payload"]},
                }
                for button in buttons
            ],
        },
    }
