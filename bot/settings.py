"""Configuration from environment variables, with embedded defaults for one machine.

Every setting a deployment may change is read here and nowhere else, so the table of
variables in docs/configuration.md and this module stay in step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The ACTION_SERVER_URL that runs the custom actions inside the Rasa process (the default).
IN_PROCESS_ACTIONS = "in-process"


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

    @property
    def actions_in_process(self) -> bool:
        """No action server: Rasa runs the custom actions itself (ACTION_SERVER_URL=in-process)."""
        return self.action_server_url.strip().lower() == IN_PROCESS_ACTIONS

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
            # in-process: the actions run inside the Rasa process (rasa_addons/local_actions.py)
            action_server_url=_env("ACTION_SERVER_URL", IN_PROCESS_ACTIONS),
            tracker_db_url=_env("TRACKER_DB_URL", f"sqlite:///{var_dir / 'tracker.db'}"),
            tickets_db_url=_env("TICKETS_DB_URL", f"sqlite:///{var_dir / 'tickets.db'}"),
            lock_store_url=_env("LOCK_STORE_URL", ""),
            rasa_auth_token=os.environ.get("RASA_AUTH_TOKEN", ""),
        )


@dataclass(frozen=True)
class SlackSettings:
    """The Slack app (docs/channels.md, "Slack"); without a bot token and signing secret Slack is off."""

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
    """The Azure bot behind Microsoft Teams (docs/channels.md); unset means Teams is off."""

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
HELPDESKS = ("webhook", "zendesk", "jira", "servicenow")


@dataclass(frozen=True)
class HelpdeskSettings:
    """Where tickets are forwarded (docs/tickets.md); `kind` empty: nowhere.

    HELPDESK            webhook | zendesk | jira | servicenow (unset: tickets stay local)
    HELPDESK_URL        webhook: the endpoint; others: the site, e.g. https://acme.zendesk.com
    HELPDESK_USER       zendesk agent email / jira account email / servicenow user
    HELPDESK_TOKEN      zendesk API token / jira API token / servicenow password
    HELPDESK_WEBHOOK_SECRET      webhook: the HMAC-SHA256 signing secret
    JIRA_SERVICE_DESK_ID, JIRA_REQUEST_TYPE_ID   jira: where requests are created
    HELPDESK_TIMEOUT_SECONDS     every helpdesk request's timeout (default 10)
    TICKETS_RETRY_BASE_SECONDS   first retry delay, doubled per attempt (default 15)
    TICKETS_RETRY_MAX_SECONDS    longest delay between retries (default 600)
    TICKETS_FORWARD_INTERVAL_SECONDS   how often the action server looks for due tickets (default 5)
    """

    kind: str
    url: str
    user: str
    token: str
    webhook_secret: str
    jira_service_desk_id: str
    jira_request_type_id: str
    timeout_seconds: float
    retry_base_seconds: float
    retry_max_seconds: float
    forward_interval_seconds: float

    @classmethod
    def from_env(cls) -> HelpdeskSettings:
        kind = _env("HELPDESK", "").lower()
        if kind and kind not in HELPDESKS:
            raise ValueError(f"HELPDESK={kind!r}: expected one of {', '.join(HELPDESKS)} or unset")
        return cls(
            kind=kind,
            url=_env("HELPDESK_URL", "").rstrip("/"),
            user=_env("HELPDESK_USER", ""),
            token=os.environ.get("HELPDESK_TOKEN", ""),
            webhook_secret=os.environ.get("HELPDESK_WEBHOOK_SECRET", ""),
            jira_service_desk_id=_env("JIRA_SERVICE_DESK_ID", ""),
            jira_request_type_id=_env("JIRA_REQUEST_TYPE_ID", ""),
            timeout_seconds=float(_env("HELPDESK_TIMEOUT_SECONDS", "10")),
            retry_base_seconds=float(_env("TICKETS_RETRY_BASE_SECONDS", "15")),
            retry_max_seconds=float(_env("TICKETS_RETRY_MAX_SECONDS", "600")),
            forward_interval_seconds=float(_env("TICKETS_FORWARD_INTERVAL_SECONDS", "5")),
        )


@dataclass(frozen=True)
class GuardSettings:
    """Limits on what reaches the bot (docs/security.md); 0 turns a rate limit off.

    MESSAGE_MAX_CHARS              longest message the bot reads (default 2000 characters)
    REQUEST_MAX_BYTES              largest REST webhook body (default 65536): larger gets 413
    RATE_LIMIT_PER_SENDER          messages per conversation per minute (default 20)
    RATE_LIMIT_PER_CLIENT          messages per client IP address per minute (default 60)
    TICKETS_PER_SENDER             tickets a conversation may open per hour (default 3)
    TICKETS_PER_CLIENT             tickets one client IP address may open per hour (default 10)
    ACTION_SERVER_TOKEN            shared secret between Rasa and the action server (unset: none)
    CLIENT_KEY_SECRET              key of the pseudonyms of client addresses; set the same value on
                                   every server (unset: one made once and kept in RECOVERY_BOT_VAR_DIR)
    TRUSTED_PROXY_HEADER           header whose last value is the client address, set by the proxy in
                                   front (e.g. X-Forwarded-For); unset: the connection's peer address
    """

    message_max_chars: int
    request_max_bytes: int
    messages_per_sender_per_minute: int
    messages_per_client_per_minute: int
    tickets_per_sender_per_hour: int
    tickets_per_client_per_hour: int
    action_server_token: str
    client_key_secret: str
    trusted_proxy_header: str

    @classmethod
    def from_env(cls) -> GuardSettings:
        return cls(
            message_max_chars=int(_env("MESSAGE_MAX_CHARS", "2000")),
            request_max_bytes=int(_env("REQUEST_MAX_BYTES", "65536")),
            messages_per_sender_per_minute=int(_env("RATE_LIMIT_PER_SENDER", "20")),
            messages_per_client_per_minute=int(_env("RATE_LIMIT_PER_CLIENT", "60")),
            tickets_per_sender_per_hour=int(_env("TICKETS_PER_SENDER", "3")),
            tickets_per_client_per_hour=int(_env("TICKETS_PER_CLIENT", "10")),
            action_server_token=os.environ.get("ACTION_SERVER_TOKEN", "").strip(),
            client_key_secret=os.environ.get("CLIENT_KEY_SECRET", "").strip(),
            trusted_proxy_header=_env("TRUSTED_PROXY_HEADER", ""),
        )


@dataclass(frozen=True)
class PrivacySettings:
    """How long personal data is kept, and where staff actions on it are recorded (docs/reliability.md).

    CONVERSATIONS_RETENTION_DAYS   conversations idle this long are purged (default 30)
    TICKETS_RETENTION_DAYS         closed or forwarded tickets this old are purged (default 90)
    AUDIT_LOG                      the staff audit file (default RECOVERY_BOT_VAR_DIR/audit.log)
    """

    conversations_retention_days: int
    tickets_retention_days: int
    audit_log: Path

    @classmethod
    def from_env(cls) -> PrivacySettings:
        days = {}
        for name, default in (("CONVERSATIONS_RETENTION_DAYS", "30"), ("TICKETS_RETENTION_DAYS", "90")):
            value = _env(name, default)
            if not value.isdigit() or int(value) < 1:
                raise ValueError(f"{name}={value!r}: expected a whole number of days, at least 1")
            days[name] = int(value)
        return cls(
            conversations_retention_days=days["CONVERSATIONS_RETENTION_DAYS"],
            tickets_retention_days=days["TICKETS_RETENTION_DAYS"],
            audit_log=Path(_env("AUDIT_LOG", str(Settings.from_env().var_dir / "audit.log"))),
        )


@dataclass(frozen=True)
class HandoffSettings:
    """Live handoff to the support team and back (docs/handoff.md).

    SUPPORT_HOURS               when agents chat live: "Mon-Fri 09:00-17:00" (default); "never" turns
                                live chat off (tickets only); "always" for a team around the clock
    SUPPORT_TIMEZONE            the zone of SUPPORT_HOURS (IANA name, default Europe/London)
    SUPPORT_LIVE_WAIT_MINUTES   how long the bot says an agent usually takes to answer live (default 5)
    SUPPORT_TICKET_WAIT_HOURS   how long it says an answer by email takes (default 24)
    HANDOFF_QUIET_MINUTES       no agent reply for this long: the person gets one short notice (default 10)
    HANDOFF_RESUME_COMMAND      an agent comment holding this hands the conversation back (default #bot)
    HANDOFF_SETTLE_SECONDS      agent replies wait this long so late webhooks fall into order (default 2)
    HANDOFF_POLL_SECONDS        how often the Rasa server delivers replies, comments, reminders (default 1)
    ZENDESK_WEBHOOK_SECRET      the Zendesk webhook's signing secret (HMAC-SHA256)
    JIRA_WEBHOOK_SECRET         the Jira webhook's secret (X-Hub-Signature, HMAC-SHA256)
    SERVICENOW_WEBHOOK_SECRET   the shared secret ServiceNow's outbound REST message sends
    """

    hours: str
    timezone: str
    live_wait_minutes: int
    ticket_wait_hours: int
    quiet_minutes: float
    resume_command: str
    settle_seconds: float
    poll_seconds: float
    webhook_secrets: dict[str, str]

    @classmethod
    def from_env(cls) -> HandoffSettings:
        return cls(
            hours=_env("SUPPORT_HOURS", "Mon-Fri 09:00-17:00"),
            timezone=_env("SUPPORT_TIMEZONE", "Europe/London"),
            live_wait_minutes=int(_env("SUPPORT_LIVE_WAIT_MINUTES", "5")),
            ticket_wait_hours=int(_env("SUPPORT_TICKET_WAIT_HOURS", "24")),
            quiet_minutes=float(_env("HANDOFF_QUIET_MINUTES", "10")),
            resume_command=_env("HANDOFF_RESUME_COMMAND", "#bot"),
            settle_seconds=float(_env("HANDOFF_SETTLE_SECONDS", "2")),
            poll_seconds=float(_env("HANDOFF_POLL_SECONDS", "1")),
            webhook_secrets={
                kind: os.environ.get(f"{kind.upper()}_WEBHOOK_SECRET", "").strip()
                for kind in ("zendesk", "jira", "servicenow")
            },
        )


@dataclass(frozen=True)
class OperationsSettings:
    """The staff dashboard, health and logs (docs/operations.md).

    STAFF_DASHBOARD_TOKEN      a long random token: `Authorization: Bearer <token>` (scripts)
    STAFF_DASHBOARD_USER, STAFF_DASHBOARD_PASSWORD   HTTP basic auth (people, in a browser)
    With neither set the dashboard is off and refuses every request.
    REPORT_IDLE_MINUTES        quiet this long without an outcome = a drop-off (default 30)
    LOG_FORMAT                 `json`: one JSON object per log line (default: Rasa's text lines)
    """

    staff_token: str
    staff_user: str
    staff_password: str
    report_idle_minutes: float
    log_format: str

    @classmethod
    def from_env(cls) -> OperationsSettings:
        return cls(
            staff_token=os.environ.get("STAFF_DASHBOARD_TOKEN", "").strip(),
            staff_user=os.environ.get("STAFF_DASHBOARD_USER", "").strip(),
            staff_password=os.environ.get("STAFF_DASHBOARD_PASSWORD", ""),
            report_idle_minutes=float(_env("REPORT_IDLE_MINUTES", "30")),
            log_format=_env("LOG_FORMAT", "text"),
        )

    @property
    def dashboard_on(self) -> bool:
        return bool(self.staff_token or (self.staff_user and self.staff_password))
