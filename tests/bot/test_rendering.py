"""Playbook entries render as chat-safe markdown: numbered steps, warnings, links."""

from __future__ import annotations

import re

import pytest

from bot.playbook import PlaybookEntry, default_playbook
from bot.rendering import entry_markdown

ENTRIES = default_playbook().entries


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_steps_are_numbered_in_order(entry: PlaybookEntry) -> None:
    numbered = re.findall(r"^(\d+)\. (.+)$", entry_markdown(entry), flags=re.MULTILINE)
    assert numbered == [(str(n), step) for n, step in enumerate(entry.steps, 1)]


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_title_warnings_and_official_links_are_shown(entry: PlaybookEntry) -> None:
    text = entry_markdown(entry)
    assert text.startswith(f"**{entry.title}**\n")
    for warning in entry.warnings:
        assert f"⚠️ {warning}" in text
    for source in entry.sources:
        assert f"\n- [{source.title}]({source.url})" in text


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_markdown_is_safe_for_chat(entry: PlaybookEntry) -> None:
    text = entry_markdown(entry)
    assert not re.search(r"<\s*/?\s*[a-zA-Z!]", text), "raw HTML"
    assert text.count("**") % 2 == 0, "unbalanced bold"
    links = re.findall(r"\[([^\]]*)\]\(([^)]*)\)", text)
    assert len(links) == len(entry.sources)
    assert all(url.startswith("https://") and " " not in url for _, url in links)


def test_parts_are_separated_so_channels_can_split_them() -> None:
    entry = default_playbook().get("personal.locked_out")
    parts = entry_markdown(entry).split("\n\n")
    assert len(parts) == 1 + len(entry.warnings) + 1
    assert parts[-1].startswith("Official help:\n- [")
