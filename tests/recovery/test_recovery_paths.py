"""Every playbook path, corrections and the fallback, typed into a real running bot over REST.

Each conversation is what a person types (never a button payload); the test reads the
recovery_path the bot served from the tracker. One shared bot (conftest's bot_stack).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from bot.playbook import default_playbook
from tools.stack import Stack

pytestmark = pytest.mark.servers

PATHS: list[tuple[list[str], str]] = [
    (["my hotmail wants a code but I can still get one by email"], "personal.has_other_method"),
    (
        ["new phone and my outlook.com wants the authenticator code", "yes"],
        "personal.has_other_method.new_phone",
    ),
    (
        ["forgot my outlook.com password", "my phone still gets the codes"],
        "personal.has_other_method.forgot_password",
    ),
    (["outlook.com, phone gone and no other way to verify"], "personal.locked_out"),
    (["my xbox code goes to my old number and that's all I set up"], "personal.locked_out.new_number"),
    (
        ["does a recovery code help? my hotmail phone is lost", "nothing else, no"],
        "personal.locked_out.recovery_code",
    ),
    (
        ["I lost the phone but I have my recovery code for my hotmail"],
        "personal.has_other_method.recovery_code",
    ),
    (
        ["new phone, but I still have the recovery code I saved for my hotmail"],
        "personal.has_other_method.recovery_code",
    ),
    (
        ["hotmail says my new security info needs 30 days, can I skip it"],
        "personal.locked_out.waiting_period",
    ),
    (
        ["my work account wants a code but I can still sign in with a text to my desk phone"],
        "work_school.has_other_method",
    ),
    (
        ["forgot the password of my school email, the authenticator still works"],
        "work_school.has_other_method.forgot_password",
    ),
    (
        ["lost my phone with the authenticator", "work", "no", "no, our IT team does that"],
        "work_school.locked_out",
    ),
    (["who do I contact at my company to reset my MFA"], "work_school.locked_out.who_to_contact"),
    (
        ["I'm the only global admin and I'm completely locked out of our office 365"],
        "work_school.admin_locked_out",
    ),
    (["my account got hacked", "personal"], "account_compromised"),
    (["someone hacked my work account"], "account_compromised.work_school"),
    (["I'm getting sign-in requests I didn't make", "my own account"], "unexpected_sign_in_prompts"),
    (
        ["random MFA approvals for my work account, I'm not signing in"],
        "unexpected_sign_in_prompts.work_school",
    ),
    (["my mum can't get into her hotmail, she lost her phone"], "someone_elses_account"),
    (["one of my employees can't do MFA on her new phone", "work"], "someone_elses_account.work_school"),
    # The situations of the content audit, each from one way people describe it: a how-to
    # question gets its entry at once, and only a fact that changes the answer is asked.
    (
        ["my hotmail still texts my old number, but my backup email still works"],
        "personal.has_other_method.new_number",
    ),
    (["new phone for my work account, the old phone still works"], "work_school.has_other_method.new_phone"),
    (
        ["my work account texts my old number, but I'm still signed in on my work laptop"],
        "work_school.has_other_method.new_number",
    ),
    (["what is number matching? the sign in shows a number to type in the app"], "number_matching"),
    (["the verification texts for my outlook.com never arrive"], "codes_not_arriving"),
    (["codes for my work account never arrive by text"], "codes_not_arriving.work_school"),
    (["the backup email on my hotmail doesn't exist anymore"], "backup_email_gone"),
    (["how do passkeys work with my hotmail?"], "passkeys"),
    (["can I use a passkey for my work account?"], "passkeys.work_school"),
    (["I was told text message codes are going away, what should I set up instead?"], "sms_retirement"),
    (["my company asks me to verify my identity with my passport to recover my account"], "tenant_recovery"),
    (["our Microsoft 365 was bought through GoDaddy, how do I reset MFA?"], "partner_managed"),
    (["I'm a guest in a customer's tenant and their MFA wants my old phone"], "guest_account"),
    (["my son's child account in our family group wants a code"], "child_account"),
    (["how do I turn off two step on my xbox account?"], "xbox"),
]


def converse(stack: Stack, turns: list[str]) -> tuple[str, list[dict[str, Any]]]:
    sender = uuid.uuid4().hex
    replies: list[dict[str, Any]] = []
    for turn in turns:
        replies = stack.say(sender, turn)
    return sender, replies


def test_the_cases_cover_every_playbook_entry() -> None:
    assert {path for _, path in PATHS} == {entry.id for entry in default_playbook().entries}


@pytest.mark.parametrize(("turns", "path"), PATHS, ids=[path for _, path in PATHS])
def test_each_path_is_reached_from_typed_messages(bot_stack: Stack, turns: list[str], path: str) -> None:
    sender, replies = converse(bot_stack, turns)
    assert bot_stack.tracker(sender)["slots"]["recovery_path"] == path
    assert replies[-1]["text"] == "Did that get you back in?"
    offers_ticket = default_playbook().get(path).offer_ticket
    assert any("Talk to a person" in m.get("text", "") for m in replies) is offers_ticket


def test_a_correction_of_the_account_type_changes_the_answer(bot_stack: Stack) -> None:
    sender, _ = converse(bot_stack, ["xbox code goes to my old number, no other way to verify"])
    assert bot_stack.tracker(sender)["slots"]["recovery_path"] == "personal.locked_out.new_number"
    asked = bot_stack.say(sender, "actually sorry, it's my work account")
    assert "only administrator" in asked[-1]["text"]
    bot_stack.say(sender, "no")
    state = bot_stack.tracker(sender)["slots"]
    assert (state["account_type"], state["recovery_path"]) == ("work_school", "work_school.locked_out")


def test_a_correction_of_the_lockout_state_changes_the_answer(bot_stack: Stack) -> None:
    sender, _ = converse(bot_stack, ["outlook.com, phone gone and no other way to verify"])
    bot_stack.say(sender, "oh wait, I do have my backup email")
    state = bot_stack.tracker(sender)["slots"]
    assert state["lockout_state"] == "has_other_method"
    # "phone gone" is the lost-phone situation: the steps for adding the new phone
    assert state["recovery_path"] == "personal.has_other_method.new_phone"


def test_no_after_the_steps_serves_the_next_path_and_yes_closes(bot_stack: Stack) -> None:
    sender, _ = converse(bot_stack, ["my hotmail wants a code but I can still get one by email"])
    next_path = bot_stack.say(sender, "no, that didn't work")
    assert bot_stack.tracker(sender)["slots"]["recovery_path"] == "personal.locked_out"
    assert next_path[-1]["text"] == "Did that get you back in?"
    closing = bot_stack.say(sender, "yes")
    assert "glad you're back in" in closing[-1]["text"]


def test_no_thanks_to_the_ticket_offer_is_a_refusal(bot_stack: Stack) -> None:
    sender, _ = converse(bot_stack, ["my xbox code goes to my old number and that's all I set up"])
    offer = bot_stack.say(sender, "no it didn't work")
    assert "Shall I open a support ticket?" in offer[-1]["text"]
    refusal = bot_stack.say(sender, "no thanks")
    assert "no ticket" in refusal[-1]["text"]
    assert bot_stack.tracker(sender)["slots"]["ticket_id"] is None


def test_the_account_question_uses_plain_words_and_clean_buttons(bot_stack: Stack) -> None:
    sender, replies = converse(bot_stack, ["I can't get my verification code"])
    question = replies[-1]
    assert "given by your organisation" in question["text"]
    assert [b["payload"] for b in question["buttons"]] == [
        '/inform{"account_type":"work_school"}',
        '/inform{"account_type":"personal"}',
    ]
    bot_stack.say(sender, question["buttons"][1]["payload"])
    assert bot_stack.tracker(sender)["slots"]["account_type"] == "personal"


def test_unsure_gets_an_explanation_and_the_question_again(bot_stack: Stack) -> None:
    sender, _ = converse(bot_stack, ["I can't get my verification code"])
    replies = bot_stack.say(sender, "I don't know")
    assert "created it yourself" in replies[0]["text"]
    assert "given by your organisation" in replies[-1]["text"]
    assert bot_stack.tracker(sender)["slots"]["account_type"] is None


def test_an_unreadable_message_offers_a_person(bot_stack: Stack) -> None:
    _, replies = converse(bot_stack, ["qwxz plonk vrrm"])
    assert replies[-1]["buttons"][0]["title"] == "Talk to a person"


def test_start_over_forgets_the_case(bot_stack: Stack) -> None:
    sender, _ = converse(bot_stack, ["my xbox code goes to my old number and that's all I set up"])
    bot_stack.say(sender, "start over")
    state = bot_stack.tracker(sender)["slots"]
    assert (state["account_type"], state["lockout_state"], state["recovery_path"]) == (None, None, None)
