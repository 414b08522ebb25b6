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


@dataclass(frozen=True)
class SlackSettings:
    """The Slack app (README, "Slack"); without a bot token and signing secret Slack is off."""

    bot_token: str
    signing_secret: str
    channel: str  # a channel id the bot also listens in, besides direct messages and mentions
    api_url: str  # Slack's Web API; tests point it at a local stand-in

    @classmethod
    def from_env(cls) -> SlackSettings:
        return cls(
            bot_token=os.environ.get("SLACK_BOT_TOKEN", "").strip(),
            signing_secret=os.environ.get("SLACK_SIGNING_SECRET", "").strip(),
            channel=os.environ.get("SLACK_CHANNEL", "").strip(),
            api_url=_env("SLACK_API_URL", "https://slack.com/api/"),
        )


@dataclass(frozen=True)
class TeamsSettings:
    """The Azure bot behind Microsoft Teams (README, "Microsoft Teams"); unset means Teams is off."""

    app_id: str
    app_password: str
    tenant_id: str  # single-tenant bots; `botframework.com` for an older multi-tenant bot
    openid_url: str  # Bot Framework's OpenID metadata, which names the signing keys (JWKS)
    login_url: str  # Microsoft Entra ID, which issues the bot's outbound tokens

    @classmethod
    def from_env(cls) -> TeamsSettings:
        return cls(
            app_id=os.environ.get("MICROSOFT_APP_ID", "").strip(),
            app_password=os.environ.get("MICROSOFT_APP_PASSWORD", "").strip(),
            tenant_id=os.environ.get("MICROSOFT_TENANT_ID", "").strip(),
            openid_url=_env(
                "BOTFRAMEWORK_OPENID_URL", "https://login.botframework.com/v1/.well-known/openidconfiguration"
            ),
            login_url=_env("MICROSOFT_LOGIN_URL", "https://login.microsoftonline.com").rstrip("/"),
        )

    @property
    def token_url(self) -> str:
        return f"{self.login_url}/{self.tenant_id}/oauth2/v2.0/token"
