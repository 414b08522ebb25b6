"""The bot's markdown as Slack mrkdwn and Block Kit (https://api.slack.com/reference/block-kit)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.rendering.inline import Segment, paragraphs, segments

SECTION_TEXT_LIMIT = 3000  # characters in one section block's text
BUTTON_TEXT_LIMIT = 75  # characters in a button's label


def _escape(text: str) -> str:
    """Slack reads &, < and > as control characters (`<!channel>`, `<url|label>`)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _segment(segment: Segment) -> str:
    if segment.kind == "bold":
        return f"*{_escape(segment.text)}*"
    if segment.kind == "link":
        label = _escape(segment.text).replace("|", "¦")
        return f"<{segment.url.replace('>', '%3E').replace('|', '%7C')}|{label}>"
    return _escape(segment.text)


def slack_mrkdwn(markdown: str) -> str:
    """Bold as `*x*`, links as `<url|label>`, everything else escaped; lines kept as they are."""
    return "\n".join("".join(_segment(s) for s in segments(line)) for line in markdown.strip().split("\n"))


def _sections(markdown: str) -> list[dict[str, Any]]:
    blocks = []
    for paragraph in paragraphs(markdown):
        chunk = ""
        for line in slack_mrkdwn(paragraph).split("\n"):
            if chunk and len(chunk) + 1 + len(line) > SECTION_TEXT_LIMIT:
                blocks.append(chunk)
                chunk = ""
            chunk = f"{chunk}\n{line}" if chunk else line[:SECTION_TEXT_LIMIT]
        blocks.append(chunk)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text}} for text in blocks]


def slack_blocks(markdown: str, buttons: Sequence[Mapping[str, str]] = ()) -> list[dict[str, Any]]:
    """One section per paragraph, then the buttons (if any) as an actions block."""
    blocks = _sections(markdown)
    if buttons:
        blocks.append(
            {
                "type": "actions",
                "block_id": "choices",
                "elements": [
                    {
                        "type": "button",
                        "action_id": f"choice-{number}",
                        "text": {"type": "plain_text", "text": button["title"][:BUTTON_TEXT_LIMIT]},
                        "value": button["payload"],
                    }
                    for number, button in enumerate(buttons)
                ],
            }
        )
    return blocks


def slack_answered_blocks(blocks: Sequence[Mapping[str, Any]], choice: str) -> list[dict[str, Any]]:
    """A message's blocks once a button was clicked: the buttons give way to the choice made."""
    kept = [dict(block) for block in blocks if block.get("type") != "actions"]
    note = f"You chose: *{_escape(choice)}*"
    return [*kept, {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}]
