"""Secrets a person pastes are masked; ordinary words, ids, years and links are not."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.redaction import looks_random, mask_contact_details, masked_kinds, redact, secrets_named


@pytest.mark.parametrize(
    ("text", "masked", "kinds"),
    [
        ("my password is hunter2", "my password is [password removed]", ("password",)),
        ("pw: Tr0ub4dor&3", "pw: [password removed]", ("password",)),
        ("Password=abc123.", "Password=[password removed].", ("password",)),
        (
            "password is: 'Summer 2024!' and it fails",
            "password is: [password removed] and it fails",
            ("password",),
        ),
        ("the code is 123456", "the code is [code removed]", ("one_time_code",)),
        ("I got 481516 by SMS", "I got [code removed] by SMS", ("one_time_code",)),
        ("it says 123 456", "it says [code removed]", ("one_time_code",)),
        ("my pin is 2024", "my pin is [code removed]", ("one_time_code",)),
        (
            "recovery code ABCDE-12345-FGHIJ-67890-KLMNO",
            "recovery code [recovery code removed]",
            ("recovery_code",),
        ),
        ("ab1cd ef2gh ij3kl mn4op qr5st", "[recovery code removed]", ("recovery_code",)),
        ("TAP: nc+&G=xwDKCz", "TAP: [access pass removed]", ("temporary_access_pass",)),
        (
            "the access pass is Xy7#kq9!",
            "the access pass is [access pass removed]",
            ("temporary_access_pass",),
        ),
        ("here it is nc+&G=xwDKCz thanks", "here it is [secret removed] thanks", ("secret",)),
        (
            "secret key: abcd efgh 2jkl mnop",
            "secret key: [authenticator key removed]",
            ("authenticator_secret",),
        ),
        (
            "otpauth://totp/Microsoft:jane?secret=JBSWY3DPEHPK3PXP",
            "[authenticator key removed]",
            ("authenticator_secret",),
        ),
        (
            "pw hunter2? no: password: s3cret, code 998877",
            "pw hunter2? no: password: [password removed], code [code removed]",
            ("password", "one_time_code"),
        ),
    ],
)
def test_secrets_are_masked_and_named(text: str, masked: str, kinds: tuple[str, ...]) -> None:
    result = redact(text)
    assert (result.text, result.kinds) == (masked, kinds)
    assert result.masked


@pytest.mark.parametrize(
    "text",
    [
        "My password is wrong",
        "my password isn't working and the code expired",
        "the TAP expired yesterday",
        "I have had this account since 2012, it's 2024 now",
        "Call me on +44 7700 900123 or 555-123-4567 or 020 7946 0958",
        "What's the status of RB-7K3P9Q?",
        "mail me at jane.doe1234@example.com",
        "go to https://mysignins.microsoft.com/security-info or aka.ms/sspr",
        "I tried 3 times at 10:30 on 2024-05-01, it cost $1500",
        "my iPhone15Pro, a Windows10 laptop and Microsoft365",
        "Multi-Factor Authentication on my SM-G991B, COVID-19 times",
        "I lost my phone and can't get the verification code for Outlook",
        "that will work with both 2 phones",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text).text == text
    assert redact(text).kinds == ()


@pytest.mark.parametrize(
    "text", ["my password is hunter2", "pw: [password removed]", "TAP: nc+&G=xwDKCz, code 123456"]
)
def test_redacting_redacted_text_changes_nothing(text: str) -> None:
    once = redact(text).text
    assert redact(once).text == once


def test_contact_details_are_masked_for_logs() -> None:
    text = "mail jane@example.com or call +44 7700 900123; my code is 123456"
    assert mask_contact_details(text) == "mail [email] or call [phone]; my code is [code removed]"


TAP_CHARACTERS = string.ascii_letters + string.digits + "!#$%&*+=?@^"


@given(st.text(TAP_CHARACTERS, min_size=8, max_size=48))
@example("RB000000")  # looks like a ticket id without its hyphen
def test_any_announced_access_pass_is_masked(tap: str) -> None:
    assert tap not in redact(f"my Temporary Access Pass is {tap}").text


@given(st.from_regex(r"\A[0-9]{6}\Z"))
def test_any_six_digit_code_is_masked(code: str) -> None:
    assert code not in redact(f"the code I got is {code} but it fails").text
    assert code not in redact(f"I received {code}").text


WORDS = ["phone", "Outlook", "work", "account", "lost", "new", "Authenticator", "can't", "sign", "in"]


@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12))
def test_sentences_of_ordinary_words_are_unchanged(words: list[str]) -> None:
    sentence = " ".join(words)
    assert redact(sentence).text == sentence


LABELS = {"[password removed]", "[code removed]", "[access pass removed]", "[secret removed]"}
PIECES = [
    *WORDS,
    "password:",
    "is",
    "hunter2",
    "481516",
    "123 456",
    "TAP",
    "nc+&G=xwDKCz",
    "RB-7K3P9Q",
    "2024",
]


@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=15))
def test_redacting_twice_keeps_every_mask_intact(pieces: list[str]) -> None:
    once = redact(" ".join(pieces)).text
    twice = redact(once).text
    masks = re.findall(r"\[[^\]]*\]", twice)
    assert set(masks) <= LABELS
    assert len(masks) >= len(re.findall(r"\[[^\]]*\]", once))


def test_random_looking_means_mixed_and_changing() -> None:
    assert looks_random("nc+&G=xwDKCz")
    assert looks_random("aZ3kLm9QpR2x")
    assert not looks_random("iPhone15Pro")
    assert not looks_random("Self-Service")
    assert not looks_random("login.microsoftonline.com")


def test_text_masked_before_still_tells_which_kinds_it_held() -> None:
    once = redact("pw: hunter2 and code 123456, then my password is x9!").text
    assert redact(once).kinds == ()  # nothing new to mask
    assert masked_kinds(once) == ("password", "one_time_code")
    assert secrets_named(masked_kinds(once)) == "a password and a code"
