"""The recovery playbook loads, is complete, and says only safe things."""

from __future__ import annotations

import itertools
import re
import shutil
from pathlib import Path

import pytest

from bot.playbook import Playbook, PlaybookError, default_playbook, load_playbook
from bot.playbook.loader import PLAYBOOK_DIR

CONTRACT_IDS = {
    "personal.has_other_method",
    "personal.locked_out",
    "work_school.has_other_method",
    "work_school.locked_out",
    "work_school.admin_locked_out",
}


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    return default_playbook()


def all_fact_combinations(playbook: Playbook) -> list[dict[str, object]]:
    names = list(playbook.fact_values)
    choices = [[None, *sorted(playbook.fact_values[n], key=str)] for n in names]
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*choices)]


def test_contract_paths_exist(playbook: Playbook) -> None:
    assert {e.id for e in playbook.entries} >= CONTRACT_IDS


def test_every_combination_reaches_at_most_one_most_specific_entry(playbook: Playbook) -> None:
    for facts in all_fact_combinations(playbook):
        applicable = [e for e in playbook.entries if e.applies_to(facts)]
        if applicable:
            top = max(e.specificity for e in applicable)
            winners = [e.id for e in applicable if e.specificity == top]
            assert len(winners) == 1, f"{facts} is served by {winners}"


def test_once_nothing_is_left_to_ask_an_entry_applies(playbook: Playbook) -> None:
    for facts in all_fact_combinations(playbook):
        if playbook.next_question(facts) is None:
            assert playbook.match(facts) is not None, facts


@pytest.mark.parametrize(
    ("facts", "question", "served"),
    [
        ({}, "account_type", None),
        ({"account_type": "personal"}, "lockout_state", None),
        ({"account_type": "personal", "lockout_state": "locked_out"}, None, "personal.locked_out"),
        (
            {"account_type": "work_school", "lockout_state": "has_other_method"},
            None,
            "work_school.has_other_method",
        ),
        (
            {"account_type": "work_school", "lockout_state": "locked_out"},
            "is_admin",
            "work_school.locked_out",
        ),
        (
            {"account_type": "work_school", "lockout_state": "locked_out", "is_admin": True},
            None,
            "work_school.admin_locked_out",
        ),
        (
            {"account_type": "work_school", "lockout_state": "locked_out", "is_admin": False},
            None,
            "work_school.locked_out",
        ),
    ],
)
def test_asks_only_what_decides_the_path(
    playbook: Playbook, facts: dict[str, object], question: str | None, served: str | None
) -> None:
    assert playbook.next_question(facts) == question
    entry = playbook.match(facts)
    assert (entry.id if entry else None) == served


def test_admin_question_only_for_locked_out_work_accounts(playbook: Playbook) -> None:
    for facts in all_fact_combinations(playbook):
        if playbook.next_question(facts) == "is_admin":
            assert facts["account_type"] == "work_school" and facts["lockout_state"] == "locked_out"


def test_every_entry_cites_an_official_microsoft_source(playbook: Playbook) -> None:
    official = re.compile(
        r"^https?://(support\.microsoft\.com|learn\.microsoft\.com|account\.live\.com|"
        r"mysignins\.microsoft\.com|aka\.ms|support\.xbox\.com|windows\.microsoft\.com)/"
    )
    for entry in playbook.entries:
        assert entry.sources, entry.id
        for source in entry.sources:
            assert official.match(source.url), (entry.id, source.url)


def test_no_entry_tells_a_person_to_hand_over_a_secret(playbook: Playbook) -> None:
    handing_over = re.compile(
        r"\b(send|give|tell|share|paste|forward|read out)\b[^.]{0,40}\b(code|password|passcode|pass)\b",
        re.IGNORECASE,
    )
    for entry in playbook.entries:
        for text in (*entry.steps, *entry.warnings):
            for match in handing_over.finditer(text):
                before = text[: match.start()].lower()
                assert re.search(r"\b(never|don't|do not|not)\b[^.]*$", before), (entry.id, text)


def _copy_playbook(tmp_path: Path) -> Path:
    target = tmp_path / "playbook"
    shutil.copytree(PLAYBOOK_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("lockout_state: has_other_method}", "lockout_state: maybe}", "lockout_state cannot be ['maybe']"),
        ("sources: [ms_add_security_info, ms_30_day_wait]", "sources: [nowhere]", "unknown sources"),
        (
            "  offer_ticket: false\n  if_this_fails: personal.locked_out",
            "  if_this_fails: personal.locked_out",
            "missing fields ['offer_ticket']",
        ),
        (
            "if_this_fails: personal.locked_out",
            "if_this_fails: personal.nowhere",
            "unknown entry 'personal.nowhere'",
        ),
    ],
)
def test_a_bad_entry_is_named_when_loading(tmp_path: Path, old: str, new: str, message: str) -> None:
    directory = _copy_playbook(tmp_path)
    path = directory / "paths" / "personal.yml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(PlaybookError, match=re.escape(message)) as error:
        load_playbook(directory)
    assert "personal.has_other_method" in str(error.value) or "personal.nowhere" in str(error.value)
