"""The configuration: a bad variable stops start-up with its name, blanks mean the default,
and the printed configuration never shows a secret."""

from __future__ import annotations

import pytest

from bot.__main__ import main
from bot.settings import (
    IN_PROCESS_ACTIONS,
    Configuration,
    ConfigurationError,
    GuardSettings,
    HelpdeskSettings,
    Settings,
    TeamsSettings,
    replace,
)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TRACKER_DB_URL", "tracker.db"),
        ("ACTION_SERVER_URL", "127.0.0.1:5055/webhook"),
        ("LOCK_STORE_URL", "127.0.0.1:6379"),
        ("RASA_PORT", "70000"),
        ("MESSAGE_MAX_CHARS", "-5"),
        ("RATE_LIMIT_PER_SENDER", "twenty"),
        ("TICKETS_RETENTION_DAYS", "0"),
        ("HELPDESK", "freshdesk"),
        ("LOG_FORMAT", "xml"),
    ],
)
def test_a_bad_value_is_refused_naming_its_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match=f"{variable}='{value}'"):
        Configuration.from_env()


def test_every_bad_variable_is_named_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTION_PORT", "http")
    monkeypatch.setenv("TICKETS_PER_CLIENT", "-1")
    with pytest.raises(ConfigurationError) as refused:
        Configuration.from_env()
    assert "ACTION_PORT='http'" in str(refused.value) and "TICKETS_PER_CLIENT='-1'" in str(refused.value)


def test_a_half_configured_teams_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", "app")
    for name in ("MICROSOFT_APP_PASSWORD", "MICROSOFT_TENANT_ID"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationError, match="MICROSOFT_APP_PASSWORD, MICROSOFT_TENANT_ID"):
        TeamsSettings.from_env()


def test_a_blank_variable_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MESSAGE_MAX_CHARS", "  ")
    monkeypatch.setenv("ACTION_PORT", "")
    monkeypatch.setenv("ACTION_SERVER_URL", " ")
    assert GuardSettings.from_env().message_max_chars == 2000
    assert Settings.from_env().action_port == 5055
    assert Settings.from_env().action_server_url == IN_PROCESS_ACTIONS


def test_derived_defaults_follow_the_data_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.setenv("RECOVERY_BOT_VAR_DIR", str(tmp_path))
    for name in ("TRACKER_DB_URL", "TICKETS_DB_URL", "SPACY_MODEL_DIR"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.from_env()
    assert settings.tracker_db_url == f"sqlite:///{tmp_path}/tracker.db"
    assert str(settings.spacy_model_dir) == f"{tmp_path}/spacy/en_recovery"


def test_a_changed_copy_is_checked_too() -> None:
    with pytest.raises(ConfigurationError, match="REQUEST_MAX_BYTES"):
        replace(GuardSettings.defaults(), request_max_bytes=0)
    assert HelpdeskSettings.defaults(kind="webhook").kind == "webhook"


def test_the_printed_configuration_masks_secrets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HELPDESK_TOKEN", "zd-token-123")
    monkeypatch.setenv("ZENDESK_WEBHOOK_SECRET", "whsec-456")
    monkeypatch.setenv("TICKETS_DB_URL", "postgresql://bot:hunter2@db.internal:5432/tickets")
    monkeypatch.setenv("RATE_LIMIT_PER_SENDER", "7")
    assert main(["config"]) == 0
    printed = capsys.readouterr().out
    assert "RATE_LIMIT_PER_SENDER=7" in printed and "HELPDESK_TOKEN=***" in printed
    assert "ZENDESK_WEBHOOK_SECRET=***" in printed
    assert "TICKETS_DB_URL=postgresql://bot:***@db.internal:5432/tickets" in printed
    assert "zd-token-123" not in printed and "whsec-456" not in printed and "hunter2" not in printed


def test_the_config_command_fails_on_a_bad_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HANDOFF_POLL_SECONDS", "0")
    assert main(["config"]) == 2
    assert "HANDOFF_POLL_SECONDS='0'" in capsys.readouterr().err


def test_the_config_command_names_what_the_chosen_helpdesk_lacks(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HELPDESK", "webhook")
    monkeypatch.setenv("HELPDESK_URL", "https://hooks.example.com/tickets")
    monkeypatch.delenv("HELPDESK_WEBHOOK_SECRET", raising=False)
    assert main(["config"]) == 2
    assert "HELPDESK=webhook needs HELPDESK_WEBHOOK_SECRET" in capsys.readouterr().err
