"""Ticket ids: readable, typed back loosely, never ambiguous."""

from __future__ import annotations

import re

from bot.tickets.ids import ALPHABET, find_ticket_id, new_ticket_id


def test_new_ids_use_only_unambiguous_characters() -> None:
    ids = {new_ticket_id() for _ in range(500)}
    assert len(ids) == 500
    assert all(re.fullmatch(r"RB-[0-9A-HJKMNP-TV-Z]{6}", ticket_id) for ticket_id in ids)
    assert not set("ILOU") & set(ALPHABET)


def test_ids_are_found_in_what_people_type() -> None:
    assert find_ticket_id("What's the status of RB-7K3P9Q?") == "RB-7K3P9Q"
    assert find_ticket_id("status of rb 7k3p9q please") == "RB-7K3P9Q"
    assert find_ticket_id("rb7k3p9q") == "RB-7K3P9Q"
    assert find_ticket_id("ticket RB-7K3P9O") == "RB-7K3P90"  # an O typed for a zero


def test_text_without_an_id_gives_none() -> None:
    assert find_ticket_id("what's the status of my ticket?") is None
    assert find_ticket_id("RB-12") is None
    assert find_ticket_id("RB-7K3P9QX") is None
    assert find_ticket_id("RB-UUUUUU") is None
