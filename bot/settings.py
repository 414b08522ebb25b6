"""Configuration: every environment variable the bot reads, typed and checked, in one place.

Each section is a pydantic `BaseSettings` model (pydantic 1.10, installed with Rasa 3.6) whose
fields name their variable; this module is the only reader of the environment (tools/ and
tests set variables for the servers they start, and read their own). A variable set to an
empty string counts as unset. A bad value (a malformed URL, a negative limit, a port out of
range, a channel or dashboard half configured) raises ConfigurationError naming the variable;
the servers build every section at start-up (`Configuration.from_env()`), so they stop there.
`python -m bot config` (`make config`) prints the effective configuration, secrets masked.
The table of variables in docs/configuration.md follows this module.

Over 300 lines: it is the one reader of the environment, one small class per part of the bot.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, BaseSettings, Field, ValidationError, root_validator, validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HELPDESKS = ("webhook", "zendesk", "jira", "servicenow")
TEAMS_VARIABLES = ("MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD", "MICROSOFT_TENANT_ID")  # all, or none
HANDOFF_WEBHOOKS = {kind: f"{kind.upper()}_WEBHOOK_SECRET" for kind in ("zendesk", "jira", "servicenow")}

Section = TypeVar("Section", bound="EnvSection")
# The ACTION_SERVER_URL that runs the custom actions inside the Rasa process (the default).
IN_PROCESS_ACTIONS = "in-process"


def means_in_process(url: str | None) -> bool:
    """Whether an action endpoint URL means the actions run inside the Rasa process."""
    return (url or "").strip().lower() == IN_PROCESS_ACTIONS


class ConfigurationError(ValueError):
    """A variable holds a value the bot cannot use; the message names the variable."""


def var(default: Any, name: str, *, secret: bool = False, **constraints: Any) -> Any:
    """A field read from the variable `name` (`secret`: masked when printed)."""
    return Field(default, env=name, secret=secret, **constraints)


def _read_environment(settings: BaseSettings) -> dict[str, Any]:
    """The fields' variables that are set to something other than blanks."""
    values: dict[str, Any] = {}
    for field in settings.__fields__.values():
        extra = field.field_info.extra
        if "env_map" in extra:  # one dict field from several variables
            values[field.name] = {
                key: os.environ.get(name, "").strip() for key, name in extra["env_map"].items()
            }
            continue
        raw = os.environ.get(extra.get("env", ""), "")
        if raw.strip():
            values[field.name] = raw if extra.get("secret") else raw.strip()
    return values


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("expected an http:// or https:// URL with a host")
    return value


def _database_url(value: str) -> str:
    try:
        make_url(value)
    except ArgumentError:
        raise ValueError(
            "expected a database URL such as sqlite:///path or postgresql://user@host:5432/db"
        ) from None
    return value


class EnvSection(BaseSettings):
    """A part of the configuration; `from_env()` reads it, naming a bad variable."""

    title: ClassVar[str] = ""

    class Config:
        """Sections are values: read once, never changed in place."""

        frozen = True
        extra = "forbid"

        @classmethod
        def customise_sources(
            cls, init_settings: Callable[..., Any], env_settings: Any, file_secret_settings: Any
        ) -> tuple[Callable[..., Any], ...]:
            """Values passed in, then this module's reading of the environment (blank is unset)."""
            return init_settings, _read_environment

    @classmethod
    def from_env(cls: type[Section]) -> Section:
        """The section as the environment sets it; ConfigurationError names each bad variable."""
        try:
            return cls()
        except ValidationError as error:
            raise ConfigurationError(cls._explain(error)) from None

    @classmethod
    def defaults(cls: type[Section], **changes: Any) -> Section:
        """The built-in defaults with `changes`, whatever the environment holds."""
        values = {name: field.get_default() for name, field in cls.__fields__.items()}
        return replace(cls.construct(**values), **changes)

    @classmethod
    def _explain(cls, error: ValidationError) -> str:
        problems = []
        for problem in error.errors():
            field = cls.__fields__.get(str(problem["loc"][0])) if problem["loc"] else None
            if field is None:  # a check across fields: its message names the variables
                problems.append(problem["msg"])
                continue
            name = field.field_info.extra.get("env", field.name)
            shown = "(secret)" if field.field_info.extra.get("secret") else repr(os.environ.get(name, ""))
            problems.append(f"{name}={shown}: {problem['msg']}")
        return f"{cls.title or cls.__name__}: " + "; ".join(problems)

    def shown(self) -> Iterator[tuple[str, str]]:
        """(variable, effective value) pairs, secrets and URL passwords masked."""
        for name, field in self.__fields__.items():
            value = getattr(self, name)
            extra = field.field_info.extra
            if "env_map" in extra:
                for key, variable in extra["env_map"].items():
                    yield variable, "***" if value.get(key) else ""
                continue
            if extra.get("secret"):
                text = "***" if value else ""
            elif isinstance(value, str) and "://" in value and "@" in value:
                text = _without_password(value)
            else:
                text = str(value)
            yield extra.get("env", name), text


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def replace(section: Section, **changes: Any) -> Section:
    """A copy of `section` with `changes`, checked like a value read from the environment."""
    try:
        return type(section)(**{**section.dict(), **changes})
    except ValidationError as error:
        raise ConfigurationError(type(section)._explain(error)) from None


class Settings(EnvSection):
    """Where the bot runs and keeps its data (docs/configuration.md)."""

    title: ClassVar[str] = "Servers and stores"

    var_dir: Path = var(PROJECT_ROOT / "var", "RECOVERY_BOT_VAR_DIR")
    spacy_model_dir: Path = var(None, "SPACY_MODEL_DIR")  # default: var_dir/spacy/en_recovery
    rasa_host: str = var("127.0.0.1", "RASA_HOST")
    rasa_port: int = var(5005, "RASA_PORT", ge=1, le=65535)
    action_host: str = var("127.0.0.1", "ACTION_HOST")
    action_port: int = var(5055, "ACTION_PORT", ge=1, le=65535)
    # in-process (default): Rasa runs the actions itself (rasa_addons/local_actions.py); else an http(s) URL
    action_server_url: str = var(IN_PROCESS_ACTIONS, "ACTION_SERVER_URL")
    tracker_db_url: str = var("", "TRACKER_DB_URL")  # default: SQLite in var_dir
    tickets_db_url: str = var("", "TICKETS_DB_URL")  # default: SQLite in var_dir
    lock_store_url: str = var("", "LOCK_STORE_URL")  # empty: Rasa's in-memory lock store
    lock_store_key_prefix: str = var("", "LOCK_STORE_KEY_PREFIX")
    rasa_auth_token: str = var("", "RASA_AUTH_TOKEN", secret=True)
    sanic_host: str = var("", "SANIC_HOST")  # the action server's listening address, over ACTION_HOST
    sanic_workers: int = var(1, "SANIC_WORKERS", ge=1)
    tracker_synchronous_commit: str = var("off", "TRACKER_SYNCHRONOUS_COMMIT")
    prometheus_multiproc_dir: str = var("", "PROMETHEUS_MULTIPROC_DIR")

    @root_validator(pre=True)
    def _derived_defaults(cls, values: dict[str, Any]) -> dict[str, Any]:
        var_dir = Path(values.get("var_dir") or PROJECT_ROOT / "var")
        values["spacy_model_dir"] = values.get("spacy_model_dir") or var_dir / "spacy" / "en_recovery"
        values["tracker_db_url"] = values.get("tracker_db_url") or f"sqlite:///{var_dir / 'tracker.db'}"
        values["tickets_db_url"] = values.get("tickets_db_url") or f"sqlite:///{var_dir / 'tickets.db'}"
        return values

    @validator("action_server_url")
    def _action_url(cls, value: str) -> str:
        return IN_PROCESS_ACTIONS if means_in_process(value) else _http_url(value)

    @property
    def actions_in_process(self) -> bool:
        """No action server: Rasa runs the custom actions itself (ACTION_SERVER_URL=in-process)."""
        return self.action_server_url == IN_PROCESS_ACTIONS
    _database_urls = validator("tracker_db_url", "tickets_db_url", allow_reuse=True)(_database_url)

    @validator("lock_store_url")
    def _redis_url(cls, value: str) -> str:
        if value and (urlsplit(value).scheme not in ("redis", "rediss") or not urlsplit(value).hostname):
            raise ValueError("expected redis://host:port/db (or rediss://), or unset for the in-memory lock")
        return value

    @validator("tracker_synchronous_commit")
    def _commit_mode(cls, value: str) -> str:
        if value not in ("on", "off", "local", "remote_write", "remote_apply"):
            raise ValueError("expected one of on, off, local, remote_write, remote_apply")
        return value


class SlackSettings(EnvSection):
    """The Slack app (docs/channels.md, "Slack"); without a bot token and signing secret Slack is off."""

    title: ClassVar[str] = "Slack"

    bot_token: str = var("", "SLACK_BOT_TOKEN", secret=True)
    signing_secret: str = var("", "SLACK_SIGNING_SECRET", secret=True)
    channel: str = var("", "SLACK_CHANNEL")  # a channel id the bot also listens in, besides direct messages
    api_url: str = var("https://slack.com/api/", "SLACK_API_URL")  # Slack's Web API; tests use a stand-in

    _api_url = validator("api_url", allow_reuse=True)(_http_url)


class TeamsSettings(EnvSection):
    """The Azure bot behind Microsoft Teams (docs/channels.md); unset means Teams is off, and a
    half configuration is refused, naming what is missing."""

    title: ClassVar[str] = "Microsoft Teams"

    app_id: str = var("", "MICROSOFT_APP_ID")
    app_password: str = var("", "MICROSOFT_APP_PASSWORD", secret=True)
    tenant_id: str = var("", "MICROSOFT_TENANT_ID")  # single-tenant; `botframework.com` for an older bot
    # Bot Framework's OpenID metadata, which names the signing keys (JWKS)
    openid_url: str = var(
        "https://login.botframework.com/v1/.well-known/openidconfiguration", "BOTFRAMEWORK_OPENID_URL"
    )
    login_url: str = var("https://login.microsoftonline.com", "MICROSOFT_LOGIN_URL")  # issues outbound tokens

    _urls = validator("openid_url", "login_url", allow_reuse=True)(_http_url)

    @validator("login_url")
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @root_validator(skip_on_failure=True)
    def _all_or_nothing(cls, values: dict[str, Any]) -> dict[str, Any]:
        named = {field.field_info.extra["env"]: field.name for field in cls.__fields__.values()}
        missing = [name for name in TEAMS_VARIABLES if not values.get(named[name])]
        if 0 < len(missing) < len(TEAMS_VARIABLES):
            raise ValueError(
                f"Teams is half configured: set {', '.join(missing)} too (docs/channels.md, Microsoft Teams)"
            )
        return values

    @property
    def on(self) -> bool:
        """Whether the Teams channel is configured."""
        return bool(self.app_id)

    @property
    def token_url(self) -> str:
        """Where the bot gets its token from Microsoft's identity platform."""
        return f"{self.login_url}/{self.tenant_id}/oauth2/v2.0/token"


class HelpdeskSettings(EnvSection):
    """Where tickets are forwarded (docs/tickets.md); HELPDESK unset: nowhere, tickets stay local.
    What each helpdesk needs besides is checked by its forwarder (bot/tickets/forwarders)."""

    title: ClassVar[str] = "Helpdesk"

    kind: str = var("", "HELPDESK")  # webhook | zendesk | jira | servicenow
    url: str = var(
        "", "HELPDESK_URL"
    )  # webhook: the endpoint; others: the site, e.g. https://acme.zendesk.com
    user: str = var("", "HELPDESK_USER")  # zendesk agent email / jira account email / servicenow user
    token: str = var("", "HELPDESK_TOKEN", secret=True)  # zendesk/jira API token, servicenow password
    webhook_secret: str = var("", "HELPDESK_WEBHOOK_SECRET", secret=True)  # webhook: the HMAC-SHA256 key
    jira_service_desk_id: str = var("", "JIRA_SERVICE_DESK_ID")
    jira_request_type_id: str = var("", "JIRA_REQUEST_TYPE_ID")
    timeout_seconds: float = var(10, "HELPDESK_TIMEOUT_SECONDS", gt=0)
    retry_base_seconds: float = var(15, "TICKETS_RETRY_BASE_SECONDS", gt=0)  # doubled per attempt
    retry_max_seconds: float = var(600, "TICKETS_RETRY_MAX_SECONDS", gt=0)
    forward_interval_seconds: float = var(5, "TICKETS_FORWARD_INTERVAL_SECONDS", gt=0)

    @validator("kind")
    def _known_kind(cls, value: str) -> str:
        if value.lower() not in ("", *HELPDESKS):
            raise ValueError(f"expected one of {', '.join(HELPDESKS)} or unset")
        return value.lower()

    @validator("url")
    def _site(cls, value: str) -> str:
        return _http_url(value).rstrip("/") if value else value


class GuardSettings(EnvSection):
    """Limits on what reaches the bot (docs/security.md); 0 turns a rate limit off."""

    title: ClassVar[str] = "Limits and the action server's token"

    message_max_chars: int = var(2000, "MESSAGE_MAX_CHARS", ge=1)  # longest message the bot reads
    request_max_bytes: int = var(65536, "REQUEST_MAX_BYTES", ge=1)  # larger REST bodies get 413
    messages_per_sender_per_minute: int = var(20, "RATE_LIMIT_PER_SENDER", ge=0)
    messages_per_client_per_minute: int = var(60, "RATE_LIMIT_PER_CLIENT", ge=0)  # per client IP address
    tickets_per_sender_per_hour: int = var(3, "TICKETS_PER_SENDER", ge=0)
    tickets_per_client_per_hour: int = var(10, "TICKETS_PER_CLIENT", ge=0)
    action_server_token: str = var("", "ACTION_SERVER_TOKEN", secret=True)  # shared by Rasa and the actions
    # key of the pseudonyms of client addresses, the same on every server (unset: one kept in var_dir)
    client_key_secret: str = var("", "CLIENT_KEY_SECRET", secret=True)
    # header whose last value is the client address, set by the proxy in front (e.g. X-Forwarded-For)
    trusted_proxy_header: str = var("", "TRUSTED_PROXY_HEADER")

    @validator("action_server_token", "client_key_secret")
    def _stripped(cls, value: str) -> str:
        return value.strip()


class PrivacySettings(EnvSection):
    """How long personal data is kept, and where staff actions on it are recorded (docs/reliability.md)."""

    title: ClassVar[str] = "Retention"

    conversations_retention_days: int = var(
        30, "CONVERSATIONS_RETENTION_DAYS", ge=1
    )  # idle this long: purged
    tickets_retention_days: int = var(90, "TICKETS_RETENTION_DAYS", ge=1)  # closed or forwarded this long
    audit_log: Path = var(None, "AUDIT_LOG")  # default: RECOVERY_BOT_VAR_DIR/audit.log

    @root_validator(pre=True)
    def _default_audit_log(cls, values: dict[str, Any]) -> dict[str, Any]:
        if not values.get("audit_log"):
            try:
                var_dir = Settings.from_env().var_dir
            except ConfigurationError:  # reported by its own section
                var_dir = PROJECT_ROOT / "var"
            values["audit_log"] = var_dir / "audit.log"
        return values


class HandoffSettings(EnvSection):
    """Live handoff to the support team and back (docs/handoff.md)."""

    title: ClassVar[str] = "Handoff"

    # when agents chat live; "never" turns live chat off (tickets only), "always" around the clock
    hours: str = var("Mon-Fri 09:00-17:00", "SUPPORT_HOURS")
    timezone: str = var("Europe/London", "SUPPORT_TIMEZONE")  # the zone of SUPPORT_HOURS (IANA name)
    live_wait_minutes: int = var(
        5, "SUPPORT_LIVE_WAIT_MINUTES", ge=1
    )  # what the bot says a live answer takes
    ticket_wait_hours: int = var(24, "SUPPORT_TICKET_WAIT_HOURS", ge=1)  # and an answer by email
    quiet_minutes: float = var(10, "HANDOFF_QUIET_MINUTES", gt=0)  # no agent reply this long: one notice
    resume_command: str = var("#bot", "HANDOFF_RESUME_COMMAND")  # an agent comment holding it hands back
    settle_seconds: float = var(2, "HANDOFF_SETTLE_SECONDS", ge=0)  # agent replies wait for late webhooks
    poll_seconds: float = var(1, "HANDOFF_POLL_SECONDS", gt=0)  # how often replies and reminders go out
    # each helpdesk's webhook signing secret (HMAC-SHA256; ServiceNow: the shared secret it sends)
    webhook_secrets: dict[str, str] = Field(default_factory=dict, env_map=HANDOFF_WEBHOOKS)


class OperationsSettings(EnvSection):
    """The staff dashboard, health and logs (docs/operations.md). The dashboard takes a bearer
    token (scripts) or a user and password (people); with neither (a user alone is neither) it is off."""

    title: ClassVar[str] = "Operations"

    staff_token: str = var("", "STAFF_DASHBOARD_TOKEN", secret=True)
    staff_user: str = var("", "STAFF_DASHBOARD_USER")
    staff_password: str = var("", "STAFF_DASHBOARD_PASSWORD", secret=True)
    report_idle_minutes: float = var(30, "REPORT_IDLE_MINUTES", ge=0)  # quiet this long without an outcome
    log_format: str = var("text", "LOG_FORMAT")  # json: one JSON object per log line

    @validator("staff_token")
    def _token_stripped(cls, value: str) -> str:
        return value.strip()

    @validator("log_format")
    def _known_format(cls, value: str) -> str:
        if value not in ("text", "json"):
            raise ValueError("expected text or json")
        return value

    @property
    def dashboard_on(self) -> bool:
        """Whether the staff dashboard has a token or a user and password to check."""
        return bool(self.staff_token or (self.staff_user and self.staff_password))


SECTIONS: tuple[type[EnvSection], ...] = (
    Settings,
    GuardSettings,
    PrivacySettings,
    OperationsSettings,
    HandoffSettings,
    HelpdeskSettings,
    SlackSettings,
    TeamsSettings,
)


class Configuration(BaseModel):
    """Every section, read and checked together: what a server checks before it starts."""

    sections: tuple[EnvSection, ...]

    @classmethod
    def from_env(cls) -> Configuration:
        """Every section; all bad variables named at once."""
        sections, problems = [], []
        for section in SECTIONS:
            try:
                sections.append(section.from_env())
            except ConfigurationError as problem:
                problems.append(str(problem))
        if problems:
            raise ConfigurationError("\n".join(problems))
        return cls(sections=tuple(sections))

    def lines(self) -> Iterator[str]:
        """The effective configuration as `VARIABLE=value` lines under each section's title."""
        for section in self.sections:
            yield f"# {section.title}"
            yield from (f"{name}={value}" for name, value in section.shown())
