"""What actions say comes from data/<feature>/replies.yml through Rasa's own response
generator: placeholders filled, buttons kept, and never hidden behind a domain response."""

from __future__ import annotations

import asyncio

import pytest
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rendering.inline import foreign_markdown
from rasa_addons.importer import project_domain
from rasa_addons.replies import DomainAndReplies

DOMAIN = project_domain()  # domain.yml and every data/<feature>/domain.yml


def say(generator: DomainAndReplies, name: str, **values: str) -> dict:
    tracker = DialogueStateTracker("someone", DOMAIN.slots)
    message = asyncio.run(generator.generate(name, tracker, "rest", **values))
    assert message is not None, name
    return message


def test_a_reply_an_action_sends_is_filled_in_like_a_response() -> None:
    message = say(DomainAndReplies(domain=DOMAIN), "utter_ticket_opened", ticket_id="RB-7K3P9Q",
                  contact_email="a.person@example.com")
    assert message["text"].startswith("I've opened support ticket **RB-7K3P9Q**.")
    assert "email you at a.person@example.com, quoting RB-7K3P9Q" in message["text"]


def test_a_question_keeps_its_buttons_and_their_payloads() -> None:
    message = say(DomainAndReplies(domain=DOMAIN), "utter_ask_account_type")
    assert [b["payload"] for b in message["buttons"]] == [
        '/inform{"account_type":"work_school"}',
        '/inform{"account_type":"personal"}',
    ]


def test_replies_survive_the_agent_setting_the_models_responses() -> None:
    generator = DomainAndReplies()  # how Rasa's agent makes it: no domain, then the model's responses
    generator.responses = DOMAIN.responses
    assert say(generator, "utter_greet")["text"].startswith("Hi!")
    assert say(generator, "utter_default")["text"].startswith("Sorry, I didn't get that.")


def test_every_text_the_bot_says_keeps_to_the_markdown_every_channel_renders() -> None:
    texts = {
        name: variation.get("text", "")
        for name, variations in DomainAndReplies(domain=DOMAIN).responses.items()
        for variation in variations
    }
    assert {name: foreign_markdown(text) for name, text in texts.items() if foreign_markdown(text)} == {}
    assert len(texts) > 40


def test_a_reply_may_not_share_its_name_with_a_domain_response() -> None:
    generator = DomainAndReplies(domain=DOMAIN)
    with pytest.raises(ValueError, match="utter_fallback"):
        generator.responses = {**DOMAIN.responses, "utter_fallback": [{"text": "Other words"}]}
