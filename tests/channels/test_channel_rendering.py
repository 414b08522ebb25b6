"""The bot's neutral markdown as Slack mrkdwn / Block Kit and as Teams markdown / Hero card."""

from __future__ import annotations

from bot.playbook import default_playbook
from bot.rendering import entry_markdown
from bot.rendering.slack import slack_answered_blocks, slack_blocks, slack_mrkdwn
from bot.rendering.teams import HERO_CARD, teams_hero_card, teams_markdown

ENTRY = default_playbook().get("personal.has_other_method")
STEPS = entry_markdown(ENTRY)
BUTTONS = [
    {"title": "Yes, it worked", "payload": "/affirm"},
    {"title": "No, it didn't work", "payload": "/deny"},
]


def test_slack_mrkdwn_has_single_star_bold_and_angle_links() -> None:
    text = slack_mrkdwn("**Security** at [Microsoft account](https://account.microsoft.com/security)")
    assert text == "*Security* at <https://account.microsoft.com/security|Microsoft account>"


def test_slack_mrkdwn_keeps_numbered_steps_on_their_lines() -> None:
    lines = slack_mrkdwn(STEPS).split("\n")
    assert lines[0] == f"*{ENTRY.title}*"
    assert [line[:3] for line in lines[1:5]] == ["1. ", "2. ", "3. ", "4. "]


def test_slack_control_sequences_in_text_are_escaped() -> None:
    assert slack_mrkdwn("ping <!channel> & <@U123>") == "ping &lt;!channel&gt; &amp; &lt;@U123&gt;"


def test_slack_blocks_have_a_section_per_paragraph_and_buttons_last() -> None:
    blocks = slack_blocks(STEPS, BUTTONS)
    paragraphs = [p for p in STEPS.split("\n\n") if p.strip()]
    assert [b["type"] for b in blocks] == ["section"] * len(paragraphs) + ["actions"]
    assert all(b["text"]["type"] == "mrkdwn" for b in blocks[:-1])
    assert [(e["text"]["text"], e["value"]) for e in blocks[-1]["elements"]] == [
        ("Yes, it worked", "/affirm"),
        ("No, it didn't work", "/deny"),
    ]
    assert len({e["action_id"] for e in blocks[-1]["elements"]}) == 2


def test_a_long_paragraph_is_split_within_slacks_section_limit() -> None:
    paragraph = "\n".join(f"{n}. " + "word " * 100 for n in range(1, 21))
    sections = slack_blocks(paragraph)
    assert len(sections) > 1
    assert all(len(s["text"]["text"]) <= 3000 for s in sections)
    assert "\n".join(s["text"]["text"] for s in sections) == slack_mrkdwn(paragraph)


def test_an_answered_message_shows_the_choice_instead_of_buttons() -> None:
    blocks = slack_answered_blocks(slack_blocks("Did that get you back in?", BUTTONS), "Yes, it worked")
    assert [b["type"] for b in blocks] == ["section", "context"]
    assert blocks[-1]["elements"][0]["text"] == "You chose: *Yes, it worked*"


def test_teams_markdown_puts_every_line_on_its_own() -> None:
    text = teams_markdown(STEPS)
    assert text.startswith(f"**{ENTRY.title}**\n\n1. Go to **account.microsoft.com**")
    assert f"\n\n{len(ENTRY.steps)}. Only when the new way works" in text
    assert "\n\n\n" not in text
    assert f"[{ENTRY.sources[0].title}]({ENTRY.sources[0].url})" in text


def test_teams_markdown_shows_markup_in_text_as_text() -> None:
    assert teams_markdown("a <b>tag</b> & more") == "a &lt;b&gt;tag&lt;/b&gt; &amp; more"


def test_a_teams_hero_card_sends_the_payload_and_shows_the_title() -> None:
    card = teams_hero_card("Which account is it: your **work or school** one?", BUTTONS)
    assert card["contentType"] == HERO_CARD
    assert card["content"]["text"] == "Which account is it: your <b>work or school</b> one?"
    first = card["content"]["buttons"][0]
    assert (first["type"], first["text"], first["displayText"]) == (
        "messageBack",
        "/affirm",
        "Yes, it worked",
    )
