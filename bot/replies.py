"""What the bot says from its actions: the `replies` of data/<feature>/replies.yml.

A response that a rule or story names lives in a domain file; a text that only an action
sends (a form's question asked by its validation, a ticket's confirmation, a handoff notice)
lives beside its feature's training data as a reply, so that Rasa's data validation does not
see a response no story uses. The format is Rasa's response format (text, buttons, `{name}`
placeholders, channel variations); rasa_addons/replies.py serves replies with the domain's
responses, so an action sends either with `dispatcher.utter_message(response=...)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.settings import PROJECT_ROOT

REPLIES_FILE = "replies.yml"
Replies = dict[str, list[dict[str, Any]]]


def load_replies(data_dir: Path = PROJECT_ROOT / "data") -> Replies:
    """Every feature's replies by name; a name given twice, or not `utter_`, is refused."""
    replies: Replies = {}
    for path in sorted(data_dir.glob(f"*/{REPLIES_FILE}")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variations in (content.get("replies") or {}).items():
            if name in replies:
                raise ValueError(f"{path}: the reply {name} is also defined in another feature")
            if not name.startswith("utter_") or not isinstance(variations, list) or not variations:
                raise ValueError(f"{path}: {name} must be named utter_... and hold a list of variations")
            replies[name] = variations
    return replies
