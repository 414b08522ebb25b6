"""situation (bot/understanding/situation.py): every value of facts.yml is taught and read."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from bot.playbook import default_playbook
from bot.settings import PROJECT_ROOT
from bot.understanding import Signals
from bot.understanding.model import NONE
from bot.understanding.training import labelled_examples

Read = Callable[[str], Signals]  # the `read` fixture of conftest.py

MIN_EXAMPLES = 4


def test_every_situation_of_the_playbook_has_training_examples() -> None:
    taught = Counter(labels["situation"] for _, labels in labelled_examples(PROJECT_ROOT / "data"))
    taught.pop(NONE)
    assert set(taught) == set(default_playbook().fact_values["situation"])
    assert {value: n for value, n in taught.items() if n < MIN_EXAMPLES} == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my Microsoft account was hacked", "hacked"),
        ("I'm writing for my dad, he lost his phone", "on_behalf"),
        ("I get approve requests that I never started", "unexpected_prompts"),
        ("do I really have to wait 30 days?", "waiting_period"),
        ("I forgot my password", "forgot_password"),
        ("the text with the code never arrives", "codes_not_arriving"),
        ("how do passkeys work, can I stop using the app?", "passkey"),
        ("what is number matching in the authenticator?", "number_matching"),
        ("they say text message codes are going away, what should I use?", "sms_retirement"),
        ("our Microsoft 365 was set up by GoDaddy", "partner_managed"),
        ("I'm a guest in another company's tenant", "guest_account"),
        ("my son's child account in our family group wants a code", "child_account"),
        ("two factor problem", None),
    ],
)
def test_situations(read: Read, text: str, expected: str | None) -> None:
    assert read(text).situation == expected
