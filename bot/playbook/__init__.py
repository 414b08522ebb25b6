"""The recovery playbook: every official recovery path, as data (paths/*.yml)."""

from bot.playbook.loader import default_playbook, load_playbook
from bot.playbook.model import Facts, Playbook, PlaybookEntry, PlaybookError, Source

__all__ = [
    "Facts",
    "Playbook",
    "PlaybookEntry",
    "PlaybookError",
    "Source",
    "default_playbook",
    "load_playbook",
]
