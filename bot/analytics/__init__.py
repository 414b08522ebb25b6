"""What the support team sees: the bot's figures computed from what it already stores.

The conversations come from Rasa's SQL tracker store (its `events` table, read here with
plain SQLAlchemy: this package imports no Rasa), the tickets and their outbox from the
ticket database (bot/tickets), the handoffs and feedback from its handoff tables
(bot/handoff). The staff dashboard (rasa_addons/channels/operations.py) and
`python -m bot report` show the same `Report`. docs/operations.md names every event and
table read.
"""

from bot.analytics.conversations import Conversation, conversations_of
from bot.analytics.handoffs import read_feedback, read_handoffs
from bot.analytics.report import Report, build_report
from bot.analytics.sources import read_events, read_outbox

__all__ = [
    "Conversation",
    "Report",
    "build_report",
    "conversations_of",
    "read_events",
    "read_feedback",
    "read_handoffs",
    "read_outbox",
]
