"""Scripted conversations for the benchmark (tools/bench.py) and the two-server tests (tests/scale/).

Kept in one place so that a change of the dialogue (domain, data, actions) is mirrored
here once. Each turn names a phrase the bot's answer must contain; `{sender}` in a message
becomes the conversation's sender id (a ticket's contact address differs per conversation).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Turn:
    message: str
    expect: str  # a phrase (case-insensitive) the joined answer texts must contain


@dataclass(frozen=True)
class Dialogue:
    name: str
    turns: tuple[Turn, ...]
    recovery_path: str | None = None  # the slot's value at the end (None: not checked)
    opens_ticket: bool = False


def _turns(*pairs: tuple[str, str]) -> tuple[Turn, ...]:
    return tuple(Turn(message, expect) for message, expect in pairs)


STEPS_END = "Did that get you back in?"

RECOVERY_DIALOGUES: tuple[Dialogue, ...] = (
    Dialogue(
        "personal: new phone, the other way fails, asks for a person, ticket",
        _turns(
            ("I got a new phone and my hotmail asks for the authenticator code", "another way"),
            ("yes", STEPS_END),
            ("no", STEPS_END),
            ("I want to talk to a person", "email address"),
            ("my email is {sender}@example.com", "support team"),
            ("my phone was stolen and the Authenticator app went with it", "opened support ticket"),
        ),
        recovery_path="personal.locked_out",
        opens_ticket=True,
    ),
    Dialogue(
        "work: locked out, not the admin, steps fail, accepts the ticket offer",
        _turns(
            (
                "I lost my phone and can't sign in to my work Microsoft 365 account, no other way to verify",
                "only administrator",
            ),
            ("No, someone else manages it", STEPS_END),
            ("No, it didn't work", "open a support ticket"),
            ("yes", "email address"),
            ("{sender}@example.com", "support team"),
            ("skip", "opened support ticket"),
        ),
        recovery_path="work_school.locked_out",
        opens_ticket=True,
    ),
    Dialogue(
        "personal: no way to verify, the steps work",
        _turns(
            ("my personal hotmail account, I have no way to verify at all", STEPS_END),
            ("Yes, it worked", "back in"),
        ),
        recovery_path="personal.locked_out",
    ),
)

# Rasa's starter bot (`rasa init`): its greet / mood stories.
STARTER_DIALOGUES: tuple[Dialogue, ...] = (
    Dialogue(
        "happy",
        _turns(("hello", "How are you?"), ("I am great", "Great, carry on!"), ("bye", "Bye")),
    ),
    Dialogue(
        "sad, helped",
        _turns(("hi", "How are you?"), ("I am sad", "cheer you up"), ("yes", "Great, carry on!")),
    ),
    Dialogue(
        "sad, not helped",
        _turns(("hey there", "How are you?"), ("very sad", "cheer you up"), ("no", "Bye")),
    ),
)
