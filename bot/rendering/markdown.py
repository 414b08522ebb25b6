"""Playbook entries as the bot's neutral markdown (bold, links, numbered steps)."""

from __future__ import annotations

from bot.playbook.model import PlaybookEntry


def entry_markdown(entry: PlaybookEntry) -> str:
    """Title with numbered steps, then warnings, then the official sources as a list.

    Parts are separated by blank lines, which chat channels show as separate bubbles.
    """
    steps = "\n".join(f"{number}. {step}" for number, step in enumerate(entry.steps, 1))
    parts = [f"**{entry.title}**\n{steps}"]
    parts.extend(f"⚠️ {warning}" for warning in entry.warnings)
    links = "\n".join(f"- [{source.title}]({source.url})" for source in entry.sources)
    parts.append(f"Official help:\n{links}")
    return "\n\n".join(parts)
