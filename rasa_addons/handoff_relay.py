"""While an agent holds a conversation: the person's messages go to the ticket, the bot is silent.

`install` registers the relay with rasa_addons.patches, whose checked patch of Rasa's
`MessageProcessor.handle_message` offers it every message inside the conversation's lock and
after the message guard (rasa_addons/guards: limits, secret masking). For a
conversation handed to an agent, a message becomes a comment in the comment outbox (so it is
never lost) instead of reaching the bot; "back to the bot" hands it back. Every other message
gets its way back (`reply_to` metadata, rasa_addons/channels/reach.py) for actions/handoff.py.

`Relay.run` is the Rasa server's loop: it delivers settled agent messages in order (recorded
in the tracker too, so a reloaded widget shows them), hands back on "#bot" or a closed ticket
by replaying `/handoff_ended` into the conversation, sends queued comments to the helpdesk,
tells the person when the agent has been quiet too long, and sends due reminders.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from datetime import timedelta
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import BotUttered, UserUttered

from bot.handoff import Handoffs, replies
from bot.handoff.models import HANDBACK, REPLY, AgentMessage, Handoff, Reminder
from bot.handoff.store import Batch
from bot.retrying import through_database_restart
from bot.settings import HelpdeskSettings
from bot.tickets.forwarders import Forwarder, forwarder_for
from bot.tickets.forwarding import RetryPolicy
from rasa_addons import patches
from rasa_addons.channels.reach import REACH, address_of

logger = logging.getLogger(__name__)

HANDOFF_ENDED = "/handoff_ended"
BACK_TO_BOT = re.compile(r"^\W*(back to (the )?bot|talk to the bot|#bot|/handoff_resume)\W*$", re.IGNORECASE)
NOT_CONNECTED_GRACE = timedelta(seconds=30)  # a widget on another server gets this long to take it
AGENT = {"sender": "support"}


class Relay:
    """Keeps the bot silent while an agent holds a conversation, and delivers the agent's replies."""
    def __init__(self, handoffs: Handoffs, forwarder: Forwarder | None, policy: RetryPolicy) -> None:
        self.handoffs = handoffs
        self.forwarder = forwarder
        self.policy = policy
        self.texts = replies()
        self.agent: Agent | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def from_env(cls) -> Relay:
        helpdesk = HelpdeskSettings.from_env()
        handoffs = Handoffs.from_env()
        handoffs.hours  # noqa: B018  (fails at start on a bad SUPPORT_HOURS or SUPPORT_TIMEZONE)
        return cls(handoffs, forwarder_for(helpdesk), RetryPolicy.from_settings(helpdesk))

    def wake(self) -> None:
        self._wake.set()

    # -- the person's side -------------------------------------------------------------------

    async def took(self, message: UserMessage, processor: MessageProcessor | None = None) -> bool:
        """True when the message went to the agent (the bot must not answer it).

        The message is also added to the conversation's tracker without being read (no intent),
        so transcripts and a reloaded widget show both sides of the handoff.
        """
        address = address_of(message)
        if address is not None and (message.text or "") != HANDOFF_ENDED:
            message.metadata = {**(message.metadata or {}), "reply_to": address}
        live_for = self.handoffs.store.live_for  # a read, on every message: waits out a restart
        handoff = await asyncio.to_thread(
            through_database_restart, lambda: live_for(message.sender_id), "handoff check"
        )
        if handoff is None:
            return False
        text = (message.text or "").strip()
        if BACK_TO_BOT.match(text):
            await asyncio.to_thread(self._person_ended, handoff)
            message.text = HANDOFF_ENDED
            return False
        if address is not None and json.loads(handoff.address) != address:
            await asyncio.to_thread(self.handoffs.store.set_address, handoff.id, address)  # type: ignore[arg-type]
        if text:
            await asyncio.to_thread(
                self.handoffs.comments.add,
                handoff.ticket_id,
                f"person:{message.message_id}",
                f"The person wrote in the chat: {text}",
            )
            self.wake()
            if processor is not None:
                await self._record_person(processor, message, text)
        return True

    @staticmethod
    async def _record_person(processor: MessageProcessor, message: UserMessage, text: str) -> None:
        tracker = await processor.tracker_store.get_or_create_tracker(
            message.sender_id, append_action_listen=False
        )
        tracker.update(
            UserUttered(text, input_channel=message.input_channel, metadata={"handoff": {"sender": "person"}})
        )
        await processor.tracker_store.save(tracker)

    def _person_ended(self, handoff: Handoff) -> None:
        if self.handoffs.store.end(handoff.id, "person"):  # type: ignore[arg-type]
            self.handoffs.comments.add(
                handoff.ticket_id, f"person-ended:{handoff.id}", "The person went back to the bot."
            )

    # -- the loop ------------------------------------------------------------------------------

    def start(self, agent: Agent) -> None:
        self.agent = agent
        self._task = asyncio.create_task(self.run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def run(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # the database or a channel may be down a while: keep the loop alive
                logger.exception("the handoff relay failed; trying again shortly")
            self._wake.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.handoffs.settings.poll_seconds)

    async def run_once(self) -> None:
        settle = timedelta(seconds=self.handoffs.settings.settle_seconds)
        for batch in await asyncio.to_thread(self.handoffs.store.due_batches, settle):
            await self._deliver(batch)
        if self.forwarder is not None:
            await asyncio.to_thread(self.handoffs.comments.send_due, self.forwarder, self.policy)
        quiet = timedelta(minutes=self.handoffs.settings.quiet_minutes)
        for handoff in await asyncio.to_thread(self.handoffs.store.claim_quiet, quiet):
            await self._tell_quiet(handoff)
        for reminder in await asyncio.to_thread(self.handoffs.reminders.claim_due):
            await self._remind(reminder)

    async def _deliver(self, batch: Batch) -> None:
        handoff = batch.handoff
        store = self.handoffs.store
        connected = REACH.connected_here(handoff.channel, handoff.sender_id)
        newest = max(m.received_at for m in batch.messages)
        if not connected and self.handoffs.clock() - newest < NOT_CONNECTED_GRACE:
            for message in batch.messages:  # perhaps the widget is connected to another server
                await asyncio.to_thread(store.release, message)
            return
        for message in batch.messages:
            try:
                if message.kind == REPLY:
                    await self._say_from_agent(handoff, message, connected)
                    await asyncio.to_thread(store.delivered, message)
                else:
                    await asyncio.to_thread(store.delivered, message)
                    await self._hand_back(handoff, "agent" if message.kind == HANDBACK else "ticket closed")
            except Exception:
                logger.exception("could not deliver an agent message to %s; will retry", handoff.channel)
                await asyncio.to_thread(store.release, message)
                return

    async def _say_from_agent(self, handoff: Handoff, message: AgentMessage, connected: bool) -> None:
        text = self.texts["agent_message"].format(agent=message.author, text=message.body)
        metadata = {**AGENT, "agent": message.author, "ticket_reference": message.reference}
        if connected:
            await REACH.send(handoff.channel, handoff.sender_id, json.loads(handoff.address), text, metadata)
        await self._record(handoff.sender_id, text, metadata)

    async def _record(self, sender_id: str, text: str, metadata: dict[str, Any]) -> None:
        """Adds what the agent said to the conversation's tracker (transcripts, widget reloads)."""
        if self.agent is None or self.agent.tracker_store is None:
            return
        async with self.agent.lock_store.lock(sender_id):
            tracker = await self.agent.tracker_store.get_or_create_tracker(
                sender_id, append_action_listen=False
            )
            tracker.update(BotUttered(text, metadata={"handoff": metadata}))
            await self.agent.tracker_store.save(tracker)

    async def _hand_back(self, handoff: Handoff, by: str) -> None:
        assert handoff.id is not None, "handoffs read from the store have their id"
        ended = await asyncio.to_thread(self.handoffs.store.end, handoff.id, by)
        if not ended or self.agent is None:
            return
        address = json.loads(handoff.address)
        output = (
            REACH.output(handoff.channel, address)
            if REACH.connected_here(handoff.channel, handoff.sender_id)
            else None
        )
        message = UserMessage(
            HANDOFF_ENDED,
            output or CollectingOutputChannel(),
            handoff.sender_id,
            input_channel=handoff.channel,
            metadata={"reply_to": address},
        )
        await self.agent.handle_message(message)

    async def _tell_quiet(self, handoff: Handoff) -> None:
        text = self.texts["agent_quiet"].format(minutes=f"{self.handoffs.settings.quiet_minutes:g}")
        try:
            await REACH.send(handoff.channel, handoff.sender_id, json.loads(handoff.address), text, {})
        except Exception:
            logger.exception("could not tell a person the agent is quiet")

    async def _remind(self, reminder: Reminder) -> None:
        text = self.texts[f"reminder_{reminder.kind}"]
        try:
            sent = await REACH.send(
                reminder.channel, reminder.sender_id, json.loads(reminder.address), text, {}
            )
        except Exception as error:
            logger.exception("could not send a reminder")
            await asyncio.to_thread(self.handoffs.reminders.failed, reminder, str(error))
            return
        if sent:
            await asyncio.to_thread(self.handoffs.reminders.sent, reminder)
        else:
            await asyncio.to_thread(
                self.handoffs.reminders.failed, reminder, "the person is not reachable now"
            )


RELAY: Relay | None = None


def install(relay: Relay) -> None:
    """From now on, messages of conversations held by an agent go to the agent, not the bot."""
    global RELAY
    RELAY = relay
    patches.intercept_messages(_taken_by_agent)


async def _taken_by_agent(processor: MessageProcessor, message: UserMessage) -> bool:
    return RELAY is not None and await RELAY.took(message, processor)
