"""An address's domain (bot/understanding/email.py): the one account fact a rule decides."""

from __future__ import annotations

import pytest

from bot.understanding.email import MailKind, kind_of_domain, mail_kinds, with_mail_kinds


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("outlook.com", MailKind.PERSONAL),
        ("Hotmail.co.uk", MailKind.PERSONAL),
        ("live.fr", MailKind.PERSONAL),
        ("msn.com", MailKind.PERSONAL),
        ("cs.ox.ac.uk", MailKind.SCHOOL_OR_PUBLIC),
        ("contoso.onmicrosoft.com", MailKind.SCHOOL_OR_PUBLIC),
        ("students.uni-example.edu", MailKind.SCHOOL_OR_PUBLIC),
        ("student.example.org", MailKind.SCHOOL_OR_PUBLIC),
        ("contoso.com", MailKind.COMPANY),
        ("gmail.com", MailKind.FREE),
        ("yahoo.co.uk", MailKind.FREE),
    ],
)
def test_kind_of_domain(domain: str, expected: MailKind) -> None:
    assert kind_of_domain(domain) is expected


def test_masked_and_several_addresses_are_read() -> None:
    assert mail_kinds("it shows ma*****@hotmail.com, my work one is a.b@contoso.com") == [
        MailKind.PERSONAL,
        MailKind.COMPANY,
    ]


def test_the_classifiers_see_the_kind_not_the_address() -> None:
    assert with_mail_kinds("write to jo@contoso.com please").split() == [
        "write",
        "to",
        "mailcompany",
        "please",
    ]
