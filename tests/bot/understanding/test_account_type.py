"""account_type (bot/understanding/account_type.py): what names it, what denies it, what says nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.understanding import Signals

Read = Callable[[str], Signals]  # the `read` fixture of conftest.py


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my Xbox wants a code sent to my old number", "personal"),
        ("locked out of my hotmail", "personal"),
        ("skype keeps asking me to verify", "personal"),
        ("Office 365 at work asks for the authenticator", "work_school"),
        ("my school email wants a code", "work_school"),
        ("our tenant enforces MFA", "work_school"),
        ("Entra keeps asking me to approve", "work_school"),
        ("the account my employer gave me", "work_school"),
        ("It isn't a personal account, my employer set it up", "work_school"),  # a denial
        ("it's not a work account, it's my own", "personal"),  # a denial
        ("actually it's my work account", "work_school"),  # a correction
        ("I work at a bank but this is my personal account", "personal"),
    ],
)
def test_account_type_named(read: Read, text: str, expected: str) -> None:
    assert read(text).account_type == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("it's bob@hotmail.com", "personal"),  # Microsoft's consumer domain
        ("my address is marie@live.fr", "personal"),
        ("it's jane@students.uni-example.edu", "work_school"),  # a school's domain
        ("my login ends in @ourcompany.onmicrosoft.com", "work_school"),
        ("it's r.khan@fabrikam-engineering.example", "work_school"),  # a company's own domain
    ],
)
def test_account_type_from_an_address(read: Read, text: str, expected: str) -> None:
    assert read(text).account_type == expected


@pytest.mark.parametrize(
    "text",
    [
        "I lost my phone and can't get my code",
        "Outlook keeps asking for a code",  # Outlook is also the work mail app
        "Teams wants me to approve on my old phone",
        "my Microsoft account asks for verification",
        "Microsoft 365 wants a code",
        "my address is someone@gmail.com",  # a free mailbox says nothing
    ],
)
def test_account_type_stays_unknown_without_a_clear_signal(read: Read, text: str) -> None:
    assert read(text).account_type is None


def test_only_an_organisation_has_admins(read: Read) -> None:
    assert read("I'm the only admin and I'm locked out").account_type == "work_school"
