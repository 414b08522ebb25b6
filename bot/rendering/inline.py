"""The inline part of the bot's neutral markdown, as segments each channel can write its own way.

The bot writes a small subset of markdown: `**bold**`, `[label](url)` links, bare URLs, and
lines such as numbered steps. Anything else is text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

_INLINE = re.compile(
    r"\*\*(?P<bold>[^*\n]+?)\*\*"
    r"|\[(?P<label>[^\]\n]+)\]\((?P<url>[^)\s]+)\)"
    r"|(?P<bare>https?://[^\s<>()]+[^\s<>().,;:!?'\"])"
)


@dataclass(frozen=True)
class Segment:
    """A run of text, bold text, or a link (`url` set)."""

    kind: Literal["text", "bold", "link"]
    text: str
    url: str = ""


def segments(line: str) -> list[Segment]:
    """Splits one line of markdown into text, bold and link segments."""
    found: list[Segment] = []
    position = 0
    for match in _INLINE.finditer(line):
        if match.start() > position:
            found.append(Segment("text", line[position : match.start()]))
        if match["bold"] is not None:
            found.append(Segment("bold", match["bold"]))
        elif match["label"] is not None:
            found.append(Segment("link", match["label"], match["url"]))
        else:
            found.append(Segment("link", match["bare"], match["bare"]))
        position = match.end()
    if position < len(line):
        found.append(Segment("text", line[position:]))
    return found


def paragraphs(markdown: str) -> list[str]:
    """The blocks of a message, separated by blank lines (chat channels show them as bubbles)."""
    return [part.strip() for part in re.split(r"\n\s*\n", markdown.strip()) if part.strip()]
