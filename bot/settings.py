"""Configuration from environment variables, with embedded defaults for one machine.

Every setting a deployment may change is read here and nowhere else, so the README's
table of variables and this module stay in step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


@dataclass(frozen=True)
class Settings:
    """Runtime settings; build with `Settings.from_env()`."""

    var_dir: Path
    spacy_model_dir: Path
    rasa_host: str
    rasa_port: int
    action_host: str
    action_port: int
    action_server_url: str
    tracker_db_url: str
    tickets_db_url: str
    lock_store_url: str
    rasa_auth_token: str

    @classmethod
    def from_env(cls) -> Settings:
        var_dir = Path(_env("RECOVERY_BOT_VAR_DIR", str(PROJECT_ROOT / "var")))
        action_host = _env("ACTION_HOST", "127.0.0.1")
        action_port = int(_env("ACTION_PORT", "5055"))
        return cls(
            var_dir=var_dir,
            spacy_model_dir=Path(_env("SPACY_MODEL_DIR", str(var_dir / "spacy" / "en_recovery"))),
            rasa_host=_env("RASA_HOST", "127.0.0.1"),
            rasa_port=int(_env("RASA_PORT", "5005")),
            action_host=action_host,
            action_port=action_port,
            action_server_url=_env("ACTION_SERVER_URL", f"http://{action_host}:{action_port}/webhook"),
            tracker_db_url=_env("TRACKER_DB_URL", f"sqlite:///{var_dir / 'tracker.db'}"),
            tickets_db_url=_env("TICKETS_DB_URL", f"sqlite:///{var_dir / 'tickets.db'}"),
            lock_store_url=_env("LOCK_STORE_URL", ""),
            rasa_auth_token=os.environ.get("RASA_AUTH_TOKEN", ""),
        )
