"""The inline part of the bot's neutral markdown, as segments each channel can write its own way.

The bot writes a small subset of markdown: `**bold**`, `[label](url)` links, bare URLs, and
lines such as numbered steps. Anything else is text. Every channel reads the bot's texts
through `segments` (Slack mrkdwn, Teams, the REST transcript) except the widget, which renders
markdown in the browser; `foreign_markdown` finds what the widget would render and the others
would show as raw marks, so the playbook loader and the content tests refuse it.
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


# Markdown outside the subset: emphasis with one * or _, code, strike-through, headings,
# quotes and tables (images are looked for before links are taken out).
_FOREIGN = re.compile(
    r"(?<![\w*])\*(?![*\s])[^*\n]*[^*\s]\*(?![\w*])"
    r"|(?<![\w_])_(?![_\s])[^_\n]*[^_\s]_(?![\w_])"
    r"|`|~~"
    r"|^ {0,3}#{1,6} |^ {0,3}>|^ *\|.*\| *$",
    re.MULTILINE,
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


def foreign_markdown(markdown: str) -> list[str]:
    """The markup in `markdown` outside the bot's subset (bold and links taken out first)."""
    images = re.findall(r"!\[", markdown)
    rest = _INLINE.sub(" ", markdown)
    return images + [match.group(0) for match in _FOREIGN.finditer(rest)]


def paragraphs(markdown: str) -> list[str]:
    """The blocks of a message, separated by blank lines (chat channels show them as bubbles)."""
    return [part.strip() for part in re.split(r"\n\s*\n", markdown.strip()) if part.strip()]
