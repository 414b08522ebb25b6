"""Hardening of the Rasa server, installed by `python -m rasa_addons` before Rasa starts.

- messages.py: every channel's message is rate limited, size checked and has its secrets
  masked before Rasa parses, stores or logs it; failures get an apology, not silence;
- failures.py: notes custom actions that fail (action server down) for that apology;
- stores.py: the SQL tracker store survives database restarts and reports failed reads;
- bot.redaction_logs: no log line carries a secret, an email address or a phone number.
The REST channel (rasa_addons/channels/rest.py) adds the body size limit and input checks.
"""

from __future__ import annotations

from bot.redaction_logs import install_log_masking
from bot.settings import GuardSettings
from rasa_addons.guards import failures, messages, stores


def install(settings: GuardSettings) -> None:
    install_log_masking()
    messages.install(settings)
    failures.install()
    stores.install()
