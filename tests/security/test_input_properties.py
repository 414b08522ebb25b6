"""Property tests: whatever a person (or an attacker) types, these parts never crash and stay safe.

Playbook matching, redaction, the ticket form's address checks, channel rendering, and the
input checks of the REST webhook and the action server, each over generated input.
"""

from __future__ import annotations

import json
import re
import string

from hypothesis import example, given, settings
from hypothesis import strategies as st

from actions.hardening import call_problem
from bot.playbook import default_playbook
from bot.redaction import mask_contact_details, masked_kinds, redact, redact_data
from bot.rendering.slack import SECTION_TEXT_LIMIT, slack_blocks, slack_mrkdwn
from bot.rendering.teams import teams_hero_card, teams_markdown
from bot.tickets.conversation import address_in, check_address
from rasa_addons.channels.rest import problem_with
from rasa_addons.guards.messages import clean_text

PLAYBOOK = default_playbook()
JUNK = st.one_of(st.text(max_size=20), st.integers(), st.floats(allow_nan=False), st.lists(st.integers()))


def fact_values(name: str) -> st.SearchStrategy[object]:
    return st.one_of(st.none(), st.sampled_from(sorted(PLAYBOOK.fact_values[name], key=str)), JUNK)


FACTS = st.fixed_dictionaries({name: fact_values(name) for name in PLAYBOOK.fact_values})


@given(FACTS)
def test_junk_facts_count_as_unknown_and_never_break_matching(facts: dict[str, object]) -> None:
    known = {
        n: (v if isinstance(v, str | bool | None) and v in PLAYBOOK.fact_values[n] else None)
        for n, v in facts.items()
    }
    entry = PLAYBOOK.match(facts)
    assert entry == PLAYBOOK.match(known)
    if entry is not None:
        assert entry.applies_to(known)
        assert all(
            PLAYBOOK.rank(other) < PLAYBOOK.rank(entry)
            for other in PLAYBOOK.entries
            if other.applies_to(known) and other != entry
        )
    question = PLAYBOOK.next_question(facts)
    assert question == PLAYBOOK.next_question(known)
    assert question is None or (question in PLAYBOOK.askable and known[question] is None)


WORDS = st.sampled_from(
    [
        "I",
        "lost",
        "my",
        "phone",
        "and",
        "the",
        "code",
        "Outlook",
        "work",
        "account",
        "is",
        "new",
        "help",
        "it",
    ]
)
SECRETS = st.one_of(
    st.from_regex(r"\A[0-9]{6}\Z"),
    st.from_regex(r"\A[A-Z0-9]{5}(-[A-Z0-9]{5}){4}\Z").filter(lambda c: any(ch.isdigit() for ch in c)),
    st.text(string.ascii_letters + string.digits + "!#$%&*+=?@^", min_size=8, max_size=30).map(
        lambda s: "my password is " + s
    ),
    st.text(string.ascii_letters + string.digits + "!#$%&*+=?", min_size=8, max_size=48).map(
        lambda s: "Temporary Access Pass: " + s
    ),
)


@given(st.lists(WORDS, max_size=8), SECRETS, st.lists(WORDS, max_size=8))
@example([], "0000A-00000-00000-00000-00000", [])  # its tail once passed for a phone number
def test_a_pasted_secret_never_survives_redaction_or_log_masking(
    before: list[str], secret: str, after: list[str]
) -> None:
    value = secret.rsplit(" ", 1)[-1]
    text = " ".join([*before, secret, *after])
    redaction = redact(text)
    assert value not in redaction.text.split()
    assert value not in mask_contact_details(text).split()
    assert redaction.kinds and set(masked_kinds(redaction.text)) >= set(redaction.kinds)
    assert redact(redaction.text).text == redaction.text


@given(st.text())
def test_any_text_can_be_redacted_cleaned_and_masked(text: str) -> None:
    cleaned = clean_text(text)
    cleaned.encode("utf-8")  # no lone surrogates left
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", cleaned)
    once = redact(cleaned).text
    assert redact(once).text == once
    mask_contact_details(cleaned)
    assert redact_data({"k": [cleaned, 1, None]}) == {"k": [once, 1, None]}


@given(st.text(max_size=80))
def test_the_address_check_answers_anything_with_an_address_or_a_reason(text: str) -> None:
    checked = check_address(text)
    assert (checked.email is None) != (checked.problem is None)
    if checked.email:
        assert "@" in checked.email
    found = address_in(text)
    assert found is None or "@" in found


@given(st.emails().filter(lambda a: re.fullmatch(r"[\w.+-]+@[\w.-]+", a) is not None))
def test_a_plain_address_is_read_back_from_a_sentence(address: str) -> None:
    assert address_in(f"my email is {address} thanks") == address.rstrip(".")


MARKDOWN = st.text(string.printable + "éü–…<>&*[]()|!@#", max_size=300)


@given(MARKDOWN)
def test_slack_rendering_escapes_control_sequences(markdown: str) -> None:
    rendered = slack_mrkdwn(markdown)
    assert "<!" not in rendered and "<@" not in rendered and "<#" not in rendered
    for block in slack_blocks(markdown, [{"title": markdown[:100] or "x", "payload": "/deny"}]):
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= SECTION_TEXT_LIMIT


@given(MARKDOWN)
def test_teams_rendering_keeps_raw_html_as_text(markdown: str) -> None:
    card = teams_hero_card(markdown, [{"title": "Yes", "payload": "/affirm"}])
    tags = re.findall(r"<[^>]*>", card["content"]["text"])
    assert all(re.fullmatch(r'</?b>|<br>|</a>|<a href="[^"<>]*">', tag) for tag in tags), tags
    assert "<" not in re.sub(r"\]\([^)]*\)", "", teams_markdown(markdown))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
WEBHOOK_BODIES = st.one_of(
    st.binary(max_size=200),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries(
        {}, optional={"sender": JSON_VALUES, "message": JSON_VALUES, "metadata": JSON_VALUES}
    ).map(lambda v: json.dumps(v).encode()),
)


@settings(max_examples=300)
@given(WEBHOOK_BODIES)
def test_the_webhook_check_accepts_only_what_rasa_can_take(body: bytes) -> None:
    problem = problem_with(body)
    if problem is None:
        payload = json.loads(body)
        assert isinstance(payload["message"], str) and str(payload["sender"]).strip()


ACTION_CALLS = st.fixed_dictionaries(
    {},
    optional={
        "next_action": JSON_VALUES,
        "sender_id": JSON_VALUES,
        "tracker": st.one_of(JSON_VALUES, st.fixed_dictionaries({}, optional={"events": JSON_VALUES})),
        "domain": JSON_VALUES,
        "version": JSON_VALUES,
    },
).map(lambda v: json.dumps(v).encode())


@settings(max_examples=300)
@given(st.one_of(ACTION_CALLS, st.binary(max_size=100)))
def test_the_action_call_check_accepts_only_action_calls(body: bytes) -> None:
    if call_problem(body) is None:
        call = json.loads(body)
        assert isinstance(call["next_action"], str) and isinstance(call["tracker"], dict)
