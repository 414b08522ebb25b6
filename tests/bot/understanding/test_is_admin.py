"""is_admin (bot/understanding/is_admin.py): the only admin, someone else, or unsaid."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.understanding import Signals

Read = Callable[[str], Signals]  # the `read` fixture of conftest.py


@pytest.mark.parametrize(
    "text",
    [
        "I'm the only admin",
        "I am the only global admin of our tenant",
        "there are no other admins",
        "I own the business subscription and nobody else has admin",
        "sole GA, locked out",
        "I'm the only one who manages our company's 365",  # the role without the word admin
        "our previous IT person had admin and left, now there's just my login",
    ],
)
def test_the_only_admin(read: Read, text: str) -> None:
    assert read(text).is_admin is True


@pytest.mark.parametrize(
    "text",
    [
        "I'm not the admin",
        "I'm not the only admin, there are two of us",
        "our IT department manages it",
        "the helpdesk says I should re-register MFA",
        "I'm just a regular employee",
    ],
)
def test_someone_else_can_reset_it(read: Read, text: str) -> None:
    assert read(text).is_admin is False


@pytest.mark.parametrize("text", ["I lost my phone", "my hotmail wants a code", "work account, new phone"])
def test_unsaid(read: Read, text: str) -> None:
    assert read(text).is_admin is None
