"""The ticket actions on rasa_sdk trackers, over a real ticket store (SQLite; PostgreSQL of its
own for the restart)."""

from __future__ import annotations

import asyncio
import shutil
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

import actions.handoff as handoff_actions
import actions.tickets as ticket_actions
from actions.tickets import (
    ActionCancelTicket,
    ActionTicketStatus,
    ValidateTicketForm,
    ValidateTicketStatusForm,
)
from bot.handoff import Handoffs
from bot.settings import PROJECT_ROOT, GuardSettings, HandoffSettings, HelpdeskSettings
from bot.tickets import Database, TicketDesk
from bot.tickets.limits import TicketLimits
from bot.tickets.migrate import upgrade
from tools.services import private_postgres

DOMAIN: dict[str, Any] = {
    "forms": {
        "ticket_form": {"required_slots": ["contact_email", "ticket_description"]},
        "ticket_status_form": {"required_slots": ["lookup_ticket_id", "lookup_email"]},
    }
}
SLOTS = [
    *("account_type", "lockout_state", "is_admin", "recovery_path", "ticket_id", "requested_slot"),
    *("contact_email", "contact_name", "ticket_description", "lookup_ticket_id", "lookup_email"),
]
NO_HELPDESK = HelpdeskSettings.defaults()


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TicketDesk]:
    database = Database(f"sqlite:///{tmp_path / 'tickets.db'}")
    upgrade(database.engine)
    desk = TicketDesk(database, NO_HELPDESK, limits=TicketLimits(GuardSettings.from_env()))  # fresh counts
    monkeypatch.setattr(ticket_actions, "ticket_desk", lambda: desk)
    same_database = Handoffs(database, HandoffSettings.from_env())  # the offer after the ticket
    monkeypatch.setattr(handoff_actions, "handoffs", lambda: same_database)
    yield desk
    database.dispose()


def user(text: str, intent: str = "inform") -> dict[str, Any]:
    return {
        "event": "user",
        "text": text,
        "input_channel": "rest",
        "parse_data": {"intent": {"name": intent, "confidence": 0.99}, "entities": []},
    }


def tracker(
    text: str = "",
    intent: str = "inform",
    *,
    sender: str = "conversation-1",
    history: tuple[dict[str, Any], ...] = (),
    loop: str = "ticket_form",
    **slots: Any,
) -> Tracker:
    events = [{"event": "session_started", "timestamp": 1700000000.0}, *history, user(text, intent)]
    return Tracker(
        sender_id=sender,
        slots={name: None for name in SLOTS} | slots,
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": []},
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": loop} if loop else {},
        latest_action_name="action_listen",
    )


def run(action: Action, state: Tracker) -> tuple[list[EventType], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, state, DOMAIN))
    return events, dispatcher.messages


def responses(messages: list[dict[str, Any]]) -> list[str]:
    return [m["response"] for m in messages]


KNOWN_CASE = {
    "account_type": "work_school",
    "lockout_state": "locked_out",
    "recovery_path": "work_school.locked_out",
}


def test_an_address_given_earlier_is_offered_and_yes_uses_it() -> None:
    history = (user("my work account jane@contoso.com is locked"),)
    asking = tracker("talk to a person", "request_human", history=history, loop="")
    _, messages = run(ValidateTicketForm(), asking)
    assert (
        messages[0]["response"] == "utter_confirm_contact_email"
        and messages[0]["email"] == "jane@contoso.com"
    )
    events, _ = run(
        ValidateTicketForm(), tracker("yes", "affirm", history=history, requested_slot="contact_email")
    )
    assert SlotSet("contact_email", "jane@contoso.com") in events


def test_no_to_the_offered_address_asks_for_another() -> None:
    history = (user("jane@contoso.com"),)
    state = tracker("no", "deny", history=history, requested_slot="contact_email")
    events, messages = run(ValidateTicketForm(), state)
    assert SlotSet("contact_email", None) in events
    assert responses(messages) == ["utter_ask_contact_email"]


def test_a_bad_address_is_asked_again_with_the_reason() -> None:
    events, messages = run(ValidateTicketForm(), tracker("jane.example.com", requested_slot="contact_email"))
    assert SlotSet("contact_email", None) in events
    assert messages[0] == {
        **messages[0], "response": "utter_email_invalid", "reason": "An email address must have an @-sign."
    }
    assert responses(messages[1:]) == ["utter_ask_contact_email"]


def test_an_address_with_a_name_is_normalised_and_the_name_kept() -> None:
    events, _ = run(
        ValidateTicketForm(), tracker("Jane Doe <Jane.Doe@EXAMPLE.com>", requested_slot="contact_email")
    )
    assert SlotSet("contact_email", "Jane.Doe@example.com") in events
    assert SlotSet("contact_name", "Jane Doe") in events


def test_the_contact_address_does_not_change_the_case() -> None:
    history = ({"event": "slot", "name": "account_type", "value": "work_school", "timestamp": None},)
    state = tracker(
        "jane@outlook.com", history=history, requested_slot="contact_email", account_type="personal"
    )
    state.events.append({"event": "slot", "name": "account_type", "value": "personal", "timestamp": None})
    events, _ = run(ValidateTicketForm(), state)
    assert SlotSet("contact_email", "jane@outlook.com") in events
    assert SlotSet("account_type", "work_school") in events  # the NLU read "personal" from the domain


def test_cancel_extracts_nothing_so_the_cancel_rule_takes_over() -> None:
    events, _ = run(ValidateTicketForm(), tracker("never mind", "cancel", requested_slot="contact_email"))
    assert events == [SlotSet("requested_slot", "contact_email")]  # nothing extracted: Rasa rejects the form
    events, messages = run(
        ActionCancelTicket(), tracker("never mind", "cancel", contact_email="jane@example.com")
    )
    assert responses(messages) == ["utter_ticket_cancelled"]
    assert SlotSet("contact_email", None) in events


def test_the_description_is_optional_only_when_the_case_is_known(desk: TicketDesk) -> None:
    address = {"requested_slot": "contact_email"}
    found = tuple({"event": "slot", "name": k, "value": v, "timestamp": None} for k, v in KNOWN_CASE.items())
    known = tracker("jane@example.com", history=found, **address, **KNOWN_CASE)
    assert responses(run(ValidateTicketForm(), known)[1]) == ["utter_ask_ticket_details"]
    assert responses(run(ValidateTicketForm(), tracker("jane@example.com", **address))[1]) == [
        "utter_ask_ticket_description"
    ]
    ask = {"contact_email": "jane@example.com", "requested_slot": "ticket_description"}
    events, _ = run(ValidateTicketForm(), tracker("skip", **ask, **KNOWN_CASE))
    assert SlotSet("ticket_description", "") in events
    events, messages = run(ValidateTicketForm(), tracker("skip", **ask))
    assert SlotSet("ticket_description", None) in events
    assert responses(messages) == ["utter_description_needed", "utter_ask_ticket_description"]


def test_a_pasted_password_is_removed_from_the_description_and_the_person_warned(desk: TicketDesk) -> None:
    ask = {"contact_email": "jane@example.com", "requested_slot": "ticket_description"}
    events, messages = run(ValidateTicketForm(), tracker("lost my phone, my password is Hunter2!x", **ask))
    assert SlotSet("ticket_description", "lost my phone, my password is [password removed]") in events
    assert messages[0]["response"] == "utter_secret_removed" and messages[0]["what"] == "a password"


ANSWERING_THE_LAST_QUESTION = {"contact_email": "jane@example.com", "requested_slot": "ticket_description"}


def answered(text: str, **slots: Any) -> Tracker:
    """The ticket form's last turn: the description `text` completes it."""
    return tracker(text, **{**ANSWERING_THE_LAST_QUESTION, **slots})


def test_the_last_answer_opens_the_ticket_and_offers_a_person(desk: TicketDesk) -> None:
    history = (user("/request_human", "request_human"), {"event": "bot", "text": "Which email address ..."})
    state = answered("new phone", history=history, **KNOWN_CASE)
    events, messages = run(ValidateTicketForm(), state)
    ticket_id = messages[0]["ticket_id"]
    assert (
        messages[0]["response"] == "utter_ticket_opened"
        and messages[0]["contact_email"] == "jane@example.com"
    )
    assert responses(messages[1:]) == ["utter_handoff_by_email"]  # REST: no way to write later
    assert SlotSet("requested_slot", None) in events  # the form ends
    assert SlotSet("ticket_id", ticket_id) in events and SlotSet("ticket_description", None) in events
    _, again = run(ValidateTicketForm(), state)  # a retried action call
    assert again[0]["response"] == "utter_ticket_exists" and again[0]["ticket_id"] == ticket_id
    [record] = desk.store.records()
    assert record.ticket.channel == "rest" and record.ticket.recovery_path == "work_school.locked_out"
    assert record.ticket.transcript == "Bot: Which email address ...\nPerson: new phone"


def test_new_tickets_are_limited_per_conversation_and_per_client(desk: TicketDesk) -> None:
    """TICKETS_PER_SENDER (3) per conversation, TICKETS_PER_CLIENT (10) per client address key."""

    def opening(sender: str, email: str, client: str) -> Tracker:
        said = {**user("new phone"), "metadata": {"client": client}}
        state = answered("new phone", sender=sender, contact_email=email, **KNOWN_CASE)
        state.events[-1] = said
        return state

    def first_answer(state: Tracker) -> dict[str, Any]:
        return run(ValidateTicketForm(), state)[1][0]

    opened = [first_answer(opening("busy", f"p{n}@example.com", "k1")) for n in range(4)]
    assert responses(opened) == [*["utter_ticket_opened"] * 3, "utter_too_many_tickets"]
    assert responses([first_answer(opening("busy", "p0@example.com", "k1"))]) == [
        "utter_ticket_exists"  # a retry of an opened request is still answered
    ]
    many = [first_answer(opening(f"s{n}", "x@example.com", "k2")) for n in range(11)]
    assert responses(many) == [*["utter_ticket_opened"] * 10, "utter_too_many_tickets"]
    assert len(desk.store.records()) == 13


@pytest.mark.slow
def test_an_unreachable_store_says_nothing_was_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    database = Database("postgresql://postgres@127.0.0.1:1/none")
    monkeypatch.setattr(ticket_actions, "ticket_desk", lambda: TicketDesk(database, NO_HELPDESK))
    events, messages = run(ValidateTicketForm(), answered("x"))
    assert responses(messages) == ["utter_ticket_not_saved"]
    assert not [e for e in events if e.get("name") == "ticket_id"]


@pytest.mark.slow
def test_a_ticket_asked_for_while_postgresql_restarts_is_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    """A restart takes a second or two: the person gets their ticket, not "nothing was opened"."""
    folder = PROJECT_ROOT / "var" / "tests" / f"postgres-{uuid.uuid4().hex[:8]}"  # postgres can read it
    try:
        with private_postgres(folder) as cluster:
            database = Database(cluster.url())
            upgrade(database.engine)
            desk = TicketDesk(database, NO_HELPDESK, limits=TicketLimits(GuardSettings.from_env()))
            monkeypatch.setattr(ticket_actions, "ticket_desk", lambda: desk)
            cluster.stop()
            back = threading.Timer(1.5, cluster.start)
            back.start()
            try:
                _, messages = run(ValidateTicketForm(), answered("new phone"))
            finally:
                back.join()  # the cluster is up again before the context stops it, even on failure
            assert responses(messages[:1]) == ["utter_ticket_opened"]
            assert len(desk.store.records()) == 1
            database.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def open_ticket(sender: str = "conversation-1") -> str:
    _, messages = run(ValidateTicketForm(), answered("new phone", sender=sender))
    return str(messages[0]["ticket_id"])


def test_the_opening_conversation_sees_its_ticket_without_an_address(desk: TicketDesk) -> None:
    ticket_id = open_ticket()
    state = tracker(f"what's the status of {ticket_id}?", "ask_ticket_status", loop="ticket_status_form")
    events, _ = run(ValidateTicketStatusForm(), state)
    assert SlotSet("lookup_ticket_id", ticket_id) in events
    assert SlotSet("requested_slot", None) in events  # nothing more to ask
    _, messages = run(ActionTicketStatus(), tracker(loop="", lookup_ticket_id=ticket_id))
    assert (
        messages[0]["response"] == "utter_ticket_status_open" and messages[0]["contact"] == "j***@example.com"
    )


def still_needs(state: Tracker) -> list[str]:
    form = ValidateTicketStatusForm()
    required = form.required_slots(form.domain_slots(DOMAIN), CollectingDispatcher(), state, DOMAIN)
    return [slot for slot in asyncio.run(required) if state.get_slot(slot) is None]


def test_another_conversation_must_give_the_address_and_learns_nothing_otherwise(desk: TicketDesk) -> None:
    ticket_id = open_ticket()
    for asked in (ticket_id, "RB-ZZZZZZ"):  # someone else's ticket, and one that does not exist
        state = tracker(sender="stranger", loop="ticket_status_form", lookup_ticket_id=asked)
        assert still_needs(state) == ["lookup_email"]
        wrong = tracker(sender="stranger", loop="", lookup_ticket_id=asked, lookup_email="eve@example.com")
        assert responses(run(ActionTicketStatus(), wrong)[1]) == ["utter_ticket_not_found"]
    right = tracker(sender="stranger", loop="", lookup_ticket_id=ticket_id, lookup_email="JANE@example.com")
    assert responses(run(ActionTicketStatus(), right)[1]) == ["utter_ticket_status_open"]
    assert still_needs(tracker(loop="ticket_status_form", lookup_ticket_id=ticket_id)) == []


def test_my_ticket_without_a_number_means_the_one_opened_here(desk: TicketDesk) -> None:
    ticket_id = open_ticket()
    state = tracker(
        "any news on my ticket?", "ask_ticket_status", loop="ticket_status_form", ticket_id=ticket_id
    )
    events, _ = run(ValidateTicketStatusForm(), state)
    assert SlotSet("lookup_ticket_id", ticket_id) in events


def test_a_mistyped_ticket_number_is_asked_again(desk: TicketDesk) -> None:
    state = tracker("the one from yesterday", loop="ticket_status_form", requested_slot="lookup_ticket_id")
    events, messages = run(ValidateTicketStatusForm(), state)
    assert SlotSet("lookup_ticket_id", None) in events
    assert responses(messages) == ["utter_ticket_id_invalid", "utter_ask_lookup_ticket_id"]
