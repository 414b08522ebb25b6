"""Structured logs: one JSON object a line when LOG_FORMAT=json, with the conversation id.

`configure_log_format("json")` gives every handler of the root logger (and the loggers Rasa,
Sanic and rasa_sdk configure on their own) a JSON formatter. Messages are masked as always
(bot.redaction_logs: no secret, email address or phone number), tracebacks too. The servers
set `CONVERSATION_ID` while they handle a conversation's message, so its log lines carry
`conversation_id`; no message text or slot value is added.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from bot.redaction import mask_contact_details
from bot.redaction_logs import install_log_masking

CONVERSATION_ID: ContextVar[str | None] = ContextVar("conversation_id", default=None)
OWN_HANDLER_LOGGERS = ("rasa", "rasa_sdk", "sanic.root", "sanic.error", "sanic.access", "bot")


class ConversationJsonFormatter(JsonFormatter):
    """Log records as one JSON object a line, with the conversation id when there is one."""
    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            datefmt="%Y-%m-%dT%H:%M:%S%z",
        )

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        """Adds the conversation id to the record's fields when there is one."""
        super().add_fields(log_data, record, message_dict)
        conversation = CONVERSATION_ID.get()
        if conversation:
            log_data["conversation_id"] = conversation

    def formatException(self, ei: Any) -> str:
        """The traceback, with contact details masked."""
        return mask_contact_details(str(super().formatException(ei)))


def configure_log_format(log_format: str) -> bool:
    """JSON lines for `log_format` "json" (any case); anything else keeps the usual format.

    Returns whether JSON was configured. Safe to call again (a server's late handlers).
    """
    if log_format.strip().lower() != "json":
        return False
    install_log_masking()
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    formatter = ConversationJsonFormatter()
    for logger in (root, *(logging.getLogger(name) for name in OWN_HANDLER_LOGGERS)):
        for handler in logger.handlers:
            handler.setFormatter(formatter)
    return True
