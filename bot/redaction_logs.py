"""Log lines never carry a pasted secret, an email address or a phone number.

`install_log_masking()` wraps the process's log record factory, so every record any logger
creates (Rasa's, Sanic's, rasa_sdk's, ours) has its message masked with
`bot.redaction.mask_contact_details` before any handler or file sees it. Both servers
install it at start-up (rasa_addons/__main__.py, actions/__main__.py).
"""

from __future__ import annotations

import logging
from typing import Any

from bot.redaction import mask_contact_details

_INSTALLED_MARK = "_recovery_bot_masking"
_FORMATTER = logging.Formatter()


def _masked(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except Exception:  # a malformed call (wrong arguments): keep only its format string
        message = str(record.msg)
    record.msg = mask_contact_details(message)
    record.args = None
    if record.exc_info and record.exc_info[0] is not None:  # tracebacks may quote what was typed
        record.exc_text = mask_contact_details(_FORMATTER.formatException(record.exc_info))
    return record


def install_log_masking() -> None:
    """Masks every log record created from now on (idempotent)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, _INSTALLED_MARK, False):
        return

    def masking_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return _masked(factory(*args, **kwargs))

    setattr(masking_factory, _INSTALLED_MARK, True)
    logging.setLogRecordFactory(masking_factory)
