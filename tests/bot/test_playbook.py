"""The recovery playbook loads, serves one path per case, asks only what matters, says only safe things."""

from __future__ import annotations

import itertools
import re
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.playbook import Playbook, PlaybookError, default_playbook, load_playbook
from bot.playbook.loader import MAX_CHECK_AGE, OFFICIAL_HOSTS, PLAYBOOK_DIR, stale_entries

CONTRACT_IDS = {
    "personal.has_other_method",
    "personal.locked_out",
    "work_school.has_other_method",
    "work_school.locked_out",
    "work_school.admin_locked_out",
}
SITUATION_IDS = {
    "account_compromised",
    "unexpected_sign_in_prompts",
    "someone_elses_account",
    "number_matching",
    "codes_not_arriving",
    "backup_email_gone",
    "passkeys",
    "sms_retirement",
    "tenant_recovery",
    "partner_managed",
    "guest_account",
    "child_account",
    "xbox",
}
OFFICIAL = re.compile(
    r"^https://(support\.microsoft\.com|learn\.microsoft\.com|account\.live\.com|account\.microsoft\.com|"
    r"mysignins\.microsoft\.com|support\.xbox\.com|aka\.ms)/"
)
EDITING_DOC = Path(__file__).resolve().parents[2] / "docs" / "editing-content.md"

PERSONAL_OTHER = {"account_type": "personal", "lockout_state": "has_other_method"}
PERSONAL_LOCKED = {"account_type": "personal", "lockout_state": "locked_out"}
WORK_OTHER = {"account_type": "work_school", "lockout_state": "has_other_method"}
WORK_LOCKED = {"account_type": "work_school", "lockout_state": "locked_out", "is_admin": False}


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    return default_playbook()


def all_fact_combinations(playbook: Playbook) -> list[dict[str, Any]]:
    names = list(playbook.fact_values)
    choices = [[None, *sorted(playbook.fact_values[n], key=str)] for n in names]
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*choices)]


def served(playbook: Playbook, facts: dict[str, Any]) -> str | None:
    entry = playbook.match(facts)
    return entry.id if entry else None


def test_contract_and_situation_paths_exist(playbook: Playbook) -> None:
    ids = {e.id for e in playbook.entries}
    assert ids >= CONTRACT_IDS | SITUATION_IDS
    finer = ids - CONTRACT_IDS - SITUATION_IDS
    assert all(i.rpartition(".")[0] in ids for i in finer), finer


def test_every_combination_reaches_at_most_one_most_specific_entry(playbook: Playbook) -> None:
    for facts in all_fact_combinations(playbook):
        applicable = [e for e in playbook.entries if e.applies_to(facts)]
        if applicable:
            top = max(playbook.rank(e) for e in applicable)
            winners = [e.id for e in applicable if playbook.rank(e) == top]
            assert len(winners) == 1, f"{facts} is served by {winners}"


def test_once_nothing_is_left_to_ask_an_entry_applies(playbook: Playbook) -> None:
    for facts in all_fact_combinations(playbook):
        if playbook.next_question(facts) is None:
            assert playbook.match(facts) is not None, facts


def test_no_question_when_every_answer_leads_to_the_same_path(playbook: Playbook) -> None:
    for facts in all_fact_combinations(playbook):
        unknown = [name for name in playbook.askable if facts[name] is None]
        answer_sets = itertools.product(*(sorted(playbook.fact_values[n], key=str) for n in unknown))
        paths = {
            served(playbook, {**facts, **dict(zip(unknown, answers, strict=True))}) for answers in answer_sets
        }
        if paths == {served(playbook, facts)}:
            assert playbook.next_question(facts) is None, facts


def test_admin_question_only_for_locked_out_work_accounts(playbook: Playbook) -> None:
    for facts in all_fact_combinations(playbook):
        if playbook.next_question(facts) == "is_admin":
            assert facts["account_type"] == "work_school" and facts["lockout_state"] == "locked_out"


@pytest.mark.parametrize(
    ("facts", "question", "path"),
    [
        ({}, "account_type", None),
        ({"account_type": "personal"}, "lockout_state", None),
        (PERSONAL_LOCKED, None, "personal.locked_out"),
        (WORK_OTHER, None, "work_school.has_other_method"),
        ({**WORK_LOCKED, "is_admin": None}, "is_admin", "work_school.locked_out"),
        ({**WORK_LOCKED, "is_admin": True}, None, "work_school.admin_locked_out"),
        (WORK_LOCKED, None, "work_school.locked_out"),
        ({"situation": "hacked"}, "account_type", "account_compromised"),
        ({"situation": "hacked", "account_type": "personal"}, None, "account_compromised"),
        ({"situation": "on_behalf"}, "account_type", "someone_elses_account"),
        ({"account_type": "personal", "situation": "recovery_code"}, "lockout_state", None),
        (
            {"account_type": "personal", "situation": "waiting_period"},
            None,
            "personal.locked_out.waiting_period",
        ),
        (
            {"account_type": "work_school", "situation": "who_to_contact"},
            None,
            "work_school.locked_out.who_to_contact",
        ),
        ({"situation": "new_phone"}, "account_type", None),
    ],
)
def test_asks_only_what_decides_the_path(
    playbook: Playbook, facts: dict[str, Any], question: str | None, path: str | None
) -> None:
    assert playbook.next_question(facts) == question
    assert served(playbook, facts) == path


WORK_ADMIN = {**WORK_LOCKED, "is_admin": True}
SITUATION_CASES = [
    ("authenticator_lost", PERSONAL_OTHER, "personal.has_other_method.new_phone"),
    ("authenticator_lost", PERSONAL_LOCKED, "personal.locked_out"),
    ("authenticator_lost", WORK_LOCKED, "work_school.locked_out"),
    ("authenticator_lost", WORK_ADMIN, "work_school.admin_locked_out"),
    ("new_phone", PERSONAL_OTHER, "personal.has_other_method.new_phone"),
    ("new_phone", WORK_OTHER, "work_school.has_other_method.new_phone"),
    ("new_phone", WORK_LOCKED, "work_school.locked_out"),
    ("restore_failed", PERSONAL_OTHER, "personal.has_other_method.new_phone"),
    ("restore_failed", WORK_OTHER, "work_school.has_other_method.new_phone"),
    ("setup_loop", PERSONAL_OTHER, "personal.has_other_method.new_phone"),
    ("setup_loop", WORK_LOCKED, "work_school.locked_out"),
    ("new_number", PERSONAL_OTHER, "personal.has_other_method.new_number"),
    ("new_number", PERSONAL_LOCKED, "personal.locked_out.new_number"),
    ("new_number", WORK_OTHER, "work_school.has_other_method.new_number"),
    ("new_number", WORK_LOCKED, "work_school.locked_out"),
    ("new_number", WORK_ADMIN, "work_school.admin_locked_out"),
    ("abroad", PERSONAL_LOCKED, "personal.locked_out.new_number"),
    ("abroad", PERSONAL_OTHER, "personal.has_other_method.new_number"),
    ("abroad", WORK_OTHER, "work_school.has_other_method.new_number"),
    ("abroad", WORK_LOCKED, "work_school.locked_out"),
    ("codes_not_arriving", PERSONAL_LOCKED, "codes_not_arriving"),
    ("codes_not_arriving", {"account_type": "personal"}, "codes_not_arriving"),
    ("codes_not_arriving", {"account_type": "work_school"}, "codes_not_arriving.work_school"),
    ("codes_not_arriving", WORK_OTHER, "codes_not_arriving.work_school"),
    ("backup_email_gone", {"account_type": "personal"}, "backup_email_gone"),
    ("backup_email_gone", PERSONAL_OTHER, "backup_email_gone"),
    ("backup_email_gone", WORK_OTHER, "work_school.has_other_method"),
    ("recovery_code", PERSONAL_LOCKED, "personal.locked_out.recovery_code"),
    ("recovery_code", PERSONAL_OTHER, "personal.has_other_method.recovery_code"),
    ("forgot_password", PERSONAL_OTHER, "personal.has_other_method.forgot_password"),
    ("forgot_password", PERSONAL_LOCKED, "personal.locked_out"),
    ("forgot_password", WORK_OTHER, "work_school.has_other_method.forgot_password"),
    ("forgot_password", WORK_ADMIN, "work_school.admin_locked_out"),
    ("waiting_period", {"account_type": "personal"}, "personal.locked_out.waiting_period"),
    ("waiting_period", WORK_OTHER, "work_school.has_other_method"),
    ("unexpected_prompts", {"account_type": "personal"}, "unexpected_sign_in_prompts"),
    ("unexpected_prompts", {"account_type": "work_school"}, "unexpected_sign_in_prompts.work_school"),
    ("number_matching", {}, "number_matching"),
    ("number_matching", {"account_type": "work_school"}, "number_matching"),
    ("hacked", PERSONAL_LOCKED, "account_compromised"),
    ("hacked", {"account_type": "work_school"}, "account_compromised.work_school"),
    ("on_behalf", {"account_type": "personal"}, "someone_elses_account"),
    ("on_behalf", {"account_type": "work_school"}, "someone_elses_account.work_school"),
    ("who_to_contact", {"account_type": "work_school"}, "work_school.locked_out.who_to_contact"),
    ("who_to_contact", PERSONAL_LOCKED, "personal.locked_out"),
    ("passkey", {"account_type": "personal"}, "passkeys"),
    ("passkey", PERSONAL_LOCKED, "passkeys"),
    ("passkey", {"account_type": "work_school"}, "passkeys.work_school"),
    ("sms_retirement", {}, "sms_retirement"),
    ("sms_retirement", {"account_type": "work_school"}, "sms_retirement"),
    ("tenant_recovery", {}, "tenant_recovery"),
    ("tenant_recovery", WORK_LOCKED, "tenant_recovery"),
    ("partner_managed", {}, "partner_managed"),
    ("partner_managed", WORK_ADMIN, "partner_managed"),
    ("guest_account", {}, "guest_account"),
    ("guest_account", {"account_type": "work_school"}, "guest_account"),
    ("child_account", {}, "child_account"),
    ("child_account", {"account_type": "personal"}, "child_account"),
    ("xbox", {}, "xbox"),
    ("xbox", PERSONAL_LOCKED, "xbox"),
]


@pytest.mark.parametrize(("situation", "facts", "path"), SITUATION_CASES)
def test_each_situation_is_served_its_path(
    playbook: Playbook, situation: str, facts: dict[str, Any], path: str
) -> None:
    known = {**facts, "situation": situation}
    assert playbook.next_question(known) is None
    assert served(playbook, known) == path


def test_every_situation_has_a_case_above(playbook: Playbook) -> None:
    assert {case[0] for case in SITUATION_CASES} == playbook.fact_values["situation"]


def test_every_entry_is_reachable(playbook: Playbook) -> None:
    reached = {served(playbook, facts) for facts in all_fact_combinations(playbook)}
    assert {e.id for e in playbook.entries} <= reached


def test_steps_are_short(playbook: Playbook) -> None:
    for entry in playbook.entries:
        assert 3 <= len(entry.steps) <= 6, entry.id


def test_fallbacks_stay_with_the_same_kind_of_account(playbook: Playbook) -> None:
    for entry in playbook.entries:
        if entry.if_this_fails and "account_type" in entry.when:
            fallback = playbook.get(entry.if_this_fails)
            assert entry.when["account_type"] <= fallback.when.get("account_type", entry.when["account_type"])


def test_every_entry_cites_an_official_microsoft_source(playbook: Playbook) -> None:
    for entry in playbook.entries:
        assert entry.sources, entry.id
        for source in entry.sources:
            assert OFFICIAL.match(source.url), (entry.id, source.url)
            assert "acsr" not in source.url, "account.live.com/acsr is not an official Microsoft page"


def test_every_step_and_warning_cites_its_own_source(playbook: Playbook) -> None:
    for entry in playbook.entries:
        assert len(entry.step_sources) == len(entry.steps), entry.id
        assert len(entry.warning_sources) == len(entry.warnings), entry.id
        assert all(entry.step_sources) and all(entry.warning_sources), entry.id


def test_a_text_resting_on_q_and_a_alone_says_so(playbook: Playbook) -> None:
    for entry in playbook.entries:
        texts, cited = (*entry.steps, *entry.warnings), (*entry.step_sources, *entry.warning_sources)
        for text, pages in zip(texts, cited, strict=True):
            if all(page.qa for page in pages):
                assert "Q&A" in text, (entry.id, text)


def test_every_entry_was_checked_against_its_sources_within_a_year(playbook: Playbook) -> None:
    assert stale_entries(playbook) == []
    load_playbook()  # the loader itself refuses a stale entry (see the tests below)


def test_every_listed_source_is_cited(playbook: Playbook) -> None:
    cited = {source.key for entry in playbook.entries for source in entry.sources}
    listed = set(yaml.safe_load((PLAYBOOK_DIR / "sources.yml").read_text()))
    assert listed == cited


# A verb of handing over, then a secret in the same clause. "give you a pass" (to the
# person), "text and voice codes" and "email or phone" (nouns) hand nothing over.
HANDING_OVER = re.compile(
    r"\b(send|give|tell|share|paste|forward|read out|email|text)\b(?!\s+(?:you|and|or)\b)[^.;,]{0,40}"
    r"\b(code|codes|password|passcode|pass)\b",
    re.IGNORECASE,
)
NEGATED = re.compile(r"\b(never|don't|do not|not|can't|cannot)\b[^.;]*$", re.IGNORECASE)


@pytest.mark.parametrize(
    ("text", "hands_over"),
    [
        ("Send the code to our support team.", True),
        ("Please paste your password here.", True),
        ("Tell the agent your recovery code.", True),
        ("Never send your code to anyone.", False),
        ("Type the code on Microsoft's page.", False),
        ("Email the code to the agent.", True),
        ("Forward the text with your code to our support team.", True),
        ("Your admin can give you a Temporary Access Pass.", False),
        ("Text and voice codes are going away.", False),
    ],
)
def test_the_secret_check_itself(text: str, hands_over: bool) -> None:
    assert handing_over(text) == hands_over


def handing_over(text: str) -> bool:
    return any(not NEGATED.search(text[: m.start()]) for m in HANDING_OVER.finditer(text))


def test_no_entry_tells_a_person_to_hand_over_a_secret(playbook: Playbook) -> None:
    for entry in playbook.entries:
        for text in (entry.title, *entry.steps, *entry.warnings):
            assert not handing_over(text) or READ_TO_MICROSOFT.search(text), (entry.id, text)


# The one exception, from Microsoft's own business-support page: the PIN Microsoft sends is
# read out on a call the admin placed to the number on Microsoft's page.
READ_TO_MICROSOFT = re.compile(r"read it to the agent on that call\. That is the only time")


def test_the_editing_guide_lists_every_path(playbook: Playbook) -> None:
    guide = EDITING_DOC.read_text()
    for entry in playbook.entries:
        assert f"`{entry.id}`" in guide, entry.id


# --- the new situations (content audit 2026-12) are selected by their facts --------------


@pytest.mark.parametrize(
    ("facts", "path"),
    [
        ({"account_type": "work_school", "situation": "passkey"}, "passkeys.work_school"),
        ({"account_type": "personal", "situation": "passkey"}, "passkeys"),
        ({"account_type": "personal", "situation": "codes_not_arriving"}, "codes_not_arriving"),
        (
            {"account_type": "work_school", "situation": "codes_not_arriving"},
            "codes_not_arriving.work_school",
        ),
        ({**PERSONAL_LOCKED, "situation": "abroad"}, "personal.locked_out.new_number"),
        ({**PERSONAL_OTHER, "situation": "new_number"}, "personal.has_other_method.new_number"),
        ({**WORK_OTHER, "situation": "new_number"}, "work_school.has_other_method.new_number"),
        ({"account_type": "personal", "situation": "backup_email_gone"}, "backup_email_gone"),
        ({**WORK_OTHER, "situation": "new_phone"}, "work_school.has_other_method.new_phone"),
        ({"situation": "number_matching"}, "number_matching"),
        ({"situation": "sms_retirement"}, "sms_retirement"),
        ({"situation": "tenant_recovery"}, "tenant_recovery"),
        ({"situation": "partner_managed"}, "partner_managed"),
        ({"situation": "guest_account"}, "guest_account"),
        ({"situation": "child_account"}, "child_account"),
        ({"situation": "xbox"}, "xbox"),
    ],
)
def test_each_new_situation_is_selected_by_its_facts(
    playbook: Playbook, facts: dict[str, Any], path: str
) -> None:
    assert playbook.next_question(facts) is None
    assert served(playbook, facts) == path


def test_every_contract_combination_reaches_exactly_one_contract_path(playbook: Playbook) -> None:
    contract = [
        (PERSONAL_OTHER, "personal.has_other_method"),
        (PERSONAL_LOCKED, "personal.locked_out"),
        (WORK_OTHER, "work_school.has_other_method"),
        (WORK_LOCKED, "work_school.locked_out"),
        (WORK_ADMIN, "work_school.admin_locked_out"),
    ]
    for facts, path in contract:
        applicable = [e for e in playbook.entries if e.applies_to(playbook.known(facts))]
        top = max(playbook.rank(e) for e in applicable)
        assert [e.id for e in applicable if playbook.rank(e) == top] == [path]
        assert playbook.next_question(facts) is None


LOCKED_OUT_IDS = [
    "personal.locked_out",
    "personal.locked_out.new_number",
    "work_school.locked_out",
    "codes_not_arriving",
    "codes_not_arriving.work_school",
    "backup_email_gone",
    "xbox",
]


@pytest.mark.parametrize("entry_id", LOCKED_OUT_IDS)
def test_a_locked_out_answer_starts_with_the_check_for_another_way(entry_id: str) -> None:
    first = default_playbook().get(entry_id).steps[0]
    assert "another way" in first or "Other ways to sign in" in first, first


def test_the_personal_locked_out_path_keeps_microsofts_order() -> None:
    steps = " ".join(default_playbook().get("personal.locked_out").steps)
    order = [
        "Other ways to sign in",
        "recovery code",
        "old number",
        "Sign-in Helper",
        "**30 days**",
        "**account recovery form**",
    ]
    positions = [steps.index(label) for label in order]
    assert positions == sorted(positions)
    assert "two-step verification was **off**" in steps


def test_iphone_and_android_restores_are_separate_steps() -> None:
    steps = default_playbook().get("personal.has_other_method.new_phone").steps
    iphone = next(s for s in steps if s.startswith("**iPhone:**"))
    android = next(s for s in steps if s.startswith("**Android:**"))
    assert "iCloud Keychain" in iphone and "Begin recovery" in android
    assert "Android" not in iphone and "iCloud" not in android


def test_obsolete_labels_and_links_are_gone(playbook: Playbook) -> None:
    for entry in playbook.entries:
        for text in (entry.title, *entry.steps, *entry.warnings):
            assert "aka.ms/mfasetup" not in text, entry.id
            assert "Revoke MFA sessions" not in text, entry.id
            assert "Skype" not in text, entry.id
            assert "/azure/active-directory/" not in text, entry.id
        for source in entry.sources:
            assert "/azure/active-directory/" not in source.url, (entry.id, source.url)


def test_only_microsofts_own_phone_pages_are_given_to_sole_admins() -> None:
    entry = default_playbook().get("work_school.admin_locked_out")
    text = " ".join((*entry.steps, *entry.warnings))
    assert not re.search(r"\b\d[\d ]{7,}\d\b", text), "no phone number is written out"
    assert "ads, search results" in text
    assert "PIN" in text and "partner" in text and "themselves" in text
    assert "can't be switched off" in text
    assert {s.key for s in entry.sources} >= {"m365_get_support", "entra_mandatory_mfa"}


def test_an_admin_acting_for_someone_else_first_confirms_who_asks() -> None:
    first = default_playbook().get("someone_elses_account.work_school").steps[0]
    assert "really is them" in first and "directory" in first and "manager" in first


# --- a bad playbook is refused, naming the entry --------------------------------------


def _copy_playbook(tmp_path: Path) -> Path:
    target = tmp_path / "playbook"
    shutil.copytree(PLAYBOOK_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


ENTRY = """
- id: {id}
  title: A test path
  when: {when}
  checked: 2026-12-03
  steps:
    - {{text: "{step}", source: ms_add_security_info}}
    - {{text: Second step., source: ms_add_security_info}}
    - {{text: Third step., source: [ms_add_security_info, ms_30_day_wait]}}
  offer_ticket: false
"""
TODAY = date(2026, 12, 3)
QA_URL = "https://learn.microsoft.com/en-us/answers/questions/1/x"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ENTRY.format(
                id="personal.copy", when="{account_type: personal, lockout_state: has_other_method}", step="x"
            ),
            "'personal.has_other_method' and 'personal.copy' can apply to the same facts",
        ),
        (
            ENTRY.format(id="moon", when="{situation: on_the_moon}", step="x"),
            "playbook entry 'moon': situation cannot be ['on_the_moon']",
        ),
        (
            ENTRY.format(id="bold", when="{situation: abroad}", step="<b>Go</b>"),
            "playbook entry 'bold': texts are markdown; raw HTML is not allowed",
        ),
        (
            ENTRY.format(id="stress", when="{situation: abroad}", step="Choose *Next* twice"),
            "playbook entry 'stress': markdown is only **bold**, links and bare URLs, not '*Next*'",
        ),
        (
            ENTRY.format(
                id="personal.locked_out.oops", when="{account_type: work_school, situation: abroad}", step="x"
            ),
            "playbook entry 'personal.locked_out.oops': account_type contradicts its parent",
        ),
        (
            ENTRY.format(id="loop_a", when="{situation: abroad}", step="x")
            + "  if_this_fails: loop_b\n"
            + ENTRY.format(id="loop_b", when="{situation: new_number}", step="x")
            + "  if_this_fails: loop_a\n",
            "playbook entry 'loop_a': if_this_fails loops: loop_a -> loop_b -> loop_a",
        ),
        (
            ENTRY.format(id="colon", when="{situation: abroad}", step="x").replace(
                '- {text: "x", source: ms_add_security_info}', "- Have this ready: a pen"
            ),
            "playbook entry 'colon': step 1 needs exactly 'text' and 'source' (an unquoted text",
        ),
        (
            ENTRY.format(id="bare", when="{situation: abroad}", step="x").replace(
                '- {text: "x", source: ms_add_security_info}', "- Just a sentence."
            ),
            "playbook entry 'bare': step 1 needs exactly 'text' and 'source'",
        ),
        (
            ENTRY.format(id="unsourced", when="{situation: abroad}", step="x").replace(
                "source: ms_add_security_info}", "source: []}", 1
            ),
            "playbook entry 'unsourced': step 1 has no source",
        ),
        (
            ENTRY.format(id="qa_only", when="{situation: abroad}", step="x").replace(
                "source: ms_add_security_info}", "source: ms_qa_only_admin_locked_out}", 1
            ),
            "playbook entry 'qa_only': step 1 rests on Microsoft Q&A answers only, so its text must say",
        ),
        (
            ENTRY.format(id="stale", when="{situation: abroad}", step="x").replace(
                "2026-12-03", "2025-12-01"
            ),
            "playbook entry 'stale': last checked against its sources on 2025-12-01, more than 12 months ago",
        ),
        (
            ENTRY.format(id="undated", when="{situation: abroad}", step="x").replace("2026-12-03", "soon"),
            "playbook entry 'undated': 'checked' must be a date",
        ),
        (
            ENTRY.format(id="personal.has_other_method", when="{situation: abroad}", step="x"),
            "playbook entry 'personal.has_other_method' is defined more than once",
        ),
    ],
)
def test_a_bad_added_entry_is_named(tmp_path: Path, extra: str, message: str) -> None:
    directory = _copy_playbook(tmp_path)
    (directory / "paths" / "zz_test.yml").write_text(extra)
    with pytest.raises(PlaybookError, match=re.escape(message)):
        load_playbook(directory, today=TODAY)


def test_a_good_added_entry_loads_and_lists_its_sources_once(tmp_path: Path) -> None:
    directory = _copy_playbook(tmp_path)
    (directory / "paths" / "zz_test.yml").write_text(
        ENTRY.format(id="fine", when="{situation: abroad}", step="x")
    )
    entry = load_playbook(directory, today=TODAY).get("fine")
    assert [s.key for s in entry.sources] == ["ms_add_security_info", "ms_30_day_wait"]
    assert entry.checked == TODAY


def test_checks_go_stale_twelve_months_after_they_were_made() -> None:
    checked = min(entry.checked for entry in default_playbook().entries)
    load_playbook(today=checked + MAX_CHECK_AGE)
    with pytest.raises(PlaybookError, match="more than 12 months ago"):
        load_playbook(today=checked + MAX_CHECK_AGE + timedelta(days=1))
    assert stale_entries(default_playbook(), checked + MAX_CHECK_AGE + timedelta(days=1))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("lockout_state: has_other_method}", "lockout_state: maybe}", "lockout_state cannot be ['maybe']"),
        (
            "source: [ms_security_info_codes, ms_recovery_code]",
            "source: [nowhere]",
            "step 1 cites unknown sources",
        ),
        ("checked: 2026-12-03", "checked: 2027-01-01", "checked on 2027-01-01, which is after today"),
        (
            "  offer_ticket: false\n  if_this_fails: personal.locked_out\n\n- id: personal.has_other",
            "  if_this_fails: personal.locked_out\n\n- id: personal.has_other",
            "missing fields ['offer_ticket']",
        ),
        (
            "if_this_fails: personal.locked_out",
            "if_this_fails: personal.nowhere",
            "unknown entry 'personal.nowhere'",
        ),
    ],
)
def test_a_bad_edited_entry_is_named(tmp_path: Path, old: str, new: str, message: str) -> None:
    directory = _copy_playbook(tmp_path)
    path = directory / "paths" / "personal.yml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(PlaybookError, match=re.escape(message)) as error:
        load_playbook(directory, today=TODAY)
    assert "'personal.has_other_method'" in str(error.value)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("  title: No link\n  url: not a url\n", "needs a title without brackets and an https url"),
        (
            "  title: A blog\n  url: https://www.example-tech-blog.com/microsoft-mfa\n",
            "is not one of Microsoft's own sites",
        ),
        (
            "  title: A lookalike\n  url: https://support.microsoft.com.example.net/help\n",
            "is not one of Microsoft's own sites",
        ),
        (
            "  title: Unofficial form\n  url: https://account.live.com/acsr\n",
            "is not one of Microsoft's own sites",
        ),
        (
            f"  title: Microsoft Q&A, someone\n  url: {QA_URL}\n",
            "a Microsoft Q&A answer is marked `qa: true`",
        ),
        (
            f"  title: An answer\n  url: {QA_URL}\n  qa: true\n",
            "a Q&A answer's title starts with 'Microsoft Q&A'",
        ),
        (
            "  title: Not Q&A\n  url: https://learn.microsoft.com/en-us/entra/whats-new\n  qa: true\n",
            "a Microsoft Q&A answer is marked `qa: true`, and only a Q&A answer is",
        ),
    ],
)
def test_a_bad_source_is_named(tmp_path: Path, source: str, message: str) -> None:
    directory = _copy_playbook(tmp_path)
    sources = directory / "sources.yml"
    sources.write_text(sources.read_text() + "broken:\n" + source)
    with pytest.raises(PlaybookError, match=f"source 'broken'.*{re.escape(message)}"):
        load_playbook(directory, today=TODAY)


def test_every_source_is_on_a_microsoft_site(playbook: Playbook) -> None:
    hosts = {source.url.split("/")[2] for entry in playbook.entries for source in entry.sources}
    assert hosts <= OFFICIAL_HOSTS


# --- `python -m bot entry`: what support staff see while editing ---------------------


def test_the_entry_command_prints_the_entry_as_each_channel_shows_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.__main__ import main

    assert main(["entry", "personal.locked_out", "--channel", "all", "--sources"]) == 0
    out = capsys.readouterr().out
    title = default_playbook().get("personal.locked_out").title
    widget, slack, teams = (out.index(f"=== {name} ===") for name in ("widget", "slack", "teams"))
    assert widget < slack < teams
    assert f"**{title}**\n1. If any other way" in out[widget:slack]  # neutral markdown
    assert f"*{title}*" in out[slack:teams] and '"type": "section"' in out[slack:teams]  # mrkdwn + blocks
    assert f"**{title}**\n\n1. If any other way" in out[teams:]  # a blank line between lines
    assert "step 1: ms_security_info_codes, ms_recovery_code" in out
    assert "ms_qa_no_id_documents (Q&A)" in out


def test_the_entry_command_prints_one_channel(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.__main__ import main

    assert main(["entry", "work_school.admin_locked_out", "--channel", "teams"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("=== teams ===") and "=== slack ===" not in out
    assert "Talk to a person" in out  # the entry offers a ticket


def test_an_unknown_entry_gets_the_nearest_ids(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.__main__ import main

    assert main(["entry", "personal.lockedout"]) == 1
    assert "Did you mean: personal.locked_out" in capsys.readouterr().err


def test_the_entries_command_lists_and_checks(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.__main__ import main

    assert main(["entries"]) == 0
    listing = capsys.readouterr().out
    assert all(entry.id in listing for entry in default_playbook().entries)
    assert main(["entries", "--check"]) == 0
    assert "The playbook is valid" in capsys.readouterr().out
