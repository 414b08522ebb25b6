"""What bot.understanding reads from a message, and what it must leave unread."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.playbook import default_playbook
from bot.understanding import Mention, Signals, read_signals
from bot.understanding.answers import read_short_answer
from bot.understanding.signals import account_type_of_email, situation_values

MentionsOf = Callable[[str], list[Mention]]


def signals(
    mentions_of: MentionsOf, text: str, intent: str | None = None, confidence: float = 0.0
) -> Signals:
    return read_signals(text, mentions_of(text), intent, confidence)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I changed my phone and can't get my Outlook verification code any more", "personal"),
        ("my Xbox wants a code sent to my old number", "personal"),
        ("locked out of my hotmail", "personal"),
        ("it's bob@hotmail.com", "personal"),
        ("Office 365 at work asks for the authenticator", "work_school"),
        ("my school email", "work_school"),
        ("our tenant enforces MFA", "work_school"),
        ("Entra keeps asking me to approve", "work_school"),
        ("it's jane@students.uni-example.edu", "work_school"),  # a school's domain
        ("it's the account my employer gave me", "work_school"),
        ("not my school one, the other one", "personal"),
        ("It isn't a personal account, my employer set it up", "work_school"),
        ("personal acct, locked out", "personal"),
        ("I have both, but the work one is the problem", "work_school"),
        ("my account ends in @ourcompany.onmicrosoft.com", "work_school"),
        ("it's through the council I work for", "work_school"),
        ("it's my .gov email", "work_school"),
        ("I use it to sign in to Windows on my home PC", "personal"),
        ("I work at a hospital and our Microsoft login wants the app", "work_school"),  # a hint
        ("I work at a bank but this is my personal account", "personal"),  # outright beats a hint
        ("it isn't my work account, it's my Xbox", "personal"),
        ("work account, but I read it in Outlook", "work_school"),  # outright beats a hint
    ],
)
def test_account_type(mentions_of: MentionsOf, text: str, expected: str) -> None:
    assert signals(mentions_of, text).account_type == expected


@pytest.mark.parametrize(
    "text",
    [
        "I lost my phone and can't get my code",  # says nothing about the account
        "the code doesn't work",
        "my address is someone@gmail.com",  # a personal account may use Gmail, so may nobody
        "my personal Outlook is fine but my work account is locked",  # both: ask
        "it's jane@contoso.com",  # a company domain only usually means work: ask
        "my work around didn't help",
        "It used to be a work account",
    ],
)
def test_account_type_stays_unknown_without_a_clear_signal(mentions_of: MentionsOf, text: str) -> None:
    assert signals(mentions_of, text).account_type is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I still have the app on my tablet", "has_other_method"),
        ("I'm still signed in on my laptop", "has_other_method"),
        ("I do have my backup email", "has_other_method"),
        ("no way to get in at all", "locked_out"),
        ("the code goes to my old number and that's all I set up", "locked_out"),
        ("I'm completely locked out", "locked_out"),
        ("I don't have any other method", "locked_out"),
        ("there's no backup email on it", "locked_out"),
        ("phone gone, no other way to verify", "locked_out"),  # "other way" after "no"
        ("I only ever had the app, nothing else is set up", "locked_out"),
        ("that number was all I had", "locked_out"),
        ("the codes still come to my old phone which I still use", "has_other_method"),
        ("I do have another phone number on the account", "has_other_method"),
        ("I still have the same problem", None),
        ("I don't have the app any more", None),  # lost the app; other ways unknown
        ("I still have to wait for the code", None),
        ("the old number is still active on my partner's plan", "has_other_method"),
        ("I can get in on my ipad, I'm already signed in there", "has_other_method"),
        ("that number is gone and there's no email either", "locked_out"),
        ("I only had text messages to my old number", "locked_out"),
        ("it only lets me pick the old phone", "locked_out"),
        ("I can receive calls on my landline, it's on the account", "has_other_method"),
        ("my sister's number is the backup and she gets the codes fine", "has_other_method"),
        ("the phone is gone, but my backup email works", "has_other_method"),
        ("every option it shows is the old number", "locked_out"),
        ("I can't use any of the options it offers", "locked_out"),
        ("I lost access to both the phone and the email", "locked_out"),
        ("I'm not getting the codes on my phone", None),
    ],
)
def test_lockout_state_from_phrases(mentions_of: MentionsOf, text: str, expected: str | None) -> None:
    assert signals(mentions_of, text).lockout_state == expected


def test_lockout_state_from_a_confident_intent_only(mentions_of: MentionsOf) -> None:
    text = "nothing I try gets me anywhere"
    assert signals(mentions_of, text, "state_locked_out", 0.9).lockout_state == "locked_out"
    assert signals(mentions_of, text, "state_locked_out", 0.3).lockout_state is None
    assert signals(mentions_of, text, "report_problem", 0.99).lockout_state is None


def test_lockout_state_unknown_when_a_message_only_describes_the_problem(mentions_of: MentionsOf) -> None:
    assert signals(mentions_of, "I changed my phone and can't get my codes").lockout_state is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm the only admin", True),
        ("I am the only global admin of our tenant", True),
        ("there are no other admins", True),
        ("I'm not the admin", False),
        ("I'm just a regular user", False),
        ("I'm not the only admin, there are two of us", False),
        ("our IT department manages it", False),
        ("someone else is using my phone", None),
        ("I'm not IT, just a regular staff member", False),
        ("I'm an admin but we have three of them", False),
        ("there's no one else, it's my business", True),
        ("I lost my phone", None),
    ],
)
def test_admin(mentions_of: MentionsOf, text: str, expected: bool | None) -> None:
    assert signals(mentions_of, text).is_admin is expected


def test_only_an_organisation_has_admins(mentions_of: MentionsOf) -> None:
    assert signals(mentions_of, "I'm the only admin and I'm locked out").account_type == "work_school"


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("x@outlook.com", "personal"),
        ("x@Hotmail.co.uk", "personal"),
        ("x@live.com", "personal"),
        ("x@contoso.com", None),  # any address can open a personal account: ask
        ("x@cs.ox.ac.uk", "work_school"),
        ("x@contoso.onmicrosoft.com", "work_school"),
        ("x@students.uni-example.edu", "work_school"),
        ("x@gmail.com", None),
        ("x@yahoo.com", None),
    ],
)
def test_email_domains(address: str, expected: str | None) -> None:
    assert account_type_of_email(address) == expected


@pytest.mark.parametrize(
    ("slot", "reply", "expected"),
    [
        ("account_type", "work", "work_school"),
        ("account_type", "the school one", "work_school"),
        ("account_type", "personal", "personal"),
        ("account_type", "my own", "personal"),
        ("account_type", "hmm not sure", None),
        ("lockout_state", "I have another phone", "has_other_method"),
        ("lockout_state", "no other way", None),  # a negation never means "other"
        ("lockout_state", "nothing at all", "locked_out"),
        ("is_admin", "only me", True),
        ("is_admin", "not the only admin", None),
        ("is_admin", "our IT department", False),
        ("account_type", "this is a much longer message that tells a whole story about work", None),
    ],
)
def test_short_answers_to_an_open_question(slot: str, reply: str, expected: object) -> None:
    assert read_short_answer(slot, reply) == expected


def test_any_admin_answer_means_an_organisation(mentions_of: MentionsOf) -> None:
    assert signals(mentions_of, "I'm not an admin, just a user").account_type == "work_school"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my Microsoft account was hacked", "hacked"),
        ("I think someone got into my account and changed the password", "hacked"),
        ("someone else has my old number now and gets my codes", "new_number"),
        ("I wasn't hacked, I just lost my phone", "authenticator_lost"),
        ("I'm writing for my dad, he lost his phone", "on_behalf"),
        ("my wife's hotmail wants a code", "on_behalf"),
        ("I get approve requests that I never started", "unexpected_prompts"),
        ("weird sign-in codes keep arriving", "unexpected_prompts"),
        ("do I really have to wait 30 days?", "waiting_period"),
        ("who should I talk to at work about this?", "who_to_contact"),
        ("I wrote down my 25-character code", "recovery_code"),
        ("I don't have a recovery code", None),
        ("I lost the recovery code too", None),
        ("I forgot my password", "forgot_password"),
        ("Begin recovery says there's no backup", "restore_failed"),
        ("it needs a code to set up the app that makes the code, a loop", "setup_loop"),
        ("my backup email was closed years ago", "backup_email_gone"),
        ("I'm abroad and my sim has no signal", "abroad"),
        ("the authenticator was on my old phone", "authenticator_lost"),
        ("my number changed last month", "new_number"),
        ("the text with the code never arrives", "codes_not_arriving"),
        ("I got a new phone", "new_phone"),
        ("it keeps asking for a code", None),
    ],
)
def test_situations(mentions_of: MentionsOf, text: str, expected: str | None) -> None:
    assert signals(mentions_of, text).situation == expected


def test_every_situation_value_is_a_playbook_fact() -> None:
    assert situation_values() <= default_playbook().fact_values["situation"]
