"""`python -m rasa_addons <rasa arguments>`: the Rasa CLI with this project's runtime.

Every Rasa command of the Makefile goes through here so that the environment
endpoints.yml reads (ACTION_SERVER_URL, TRACKER_DB_URL, ...) always has the embedded
defaults of bot/settings.py, telemetry (which would try the internet) stays off, and the
server is hardened (rasa_addons/guards: limits, secret masking, log masking) before it starts.
"""

from __future__ import annotations

import os

from bot.settings import GuardSettings, Settings


def prepare_environment(settings: Settings) -> None:
    """Exports what endpoints.yml and Rasa read, creating the local data folder."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    os.environ["ACTION_SERVER_URL"] = settings.action_server_url
    os.environ["TRACKER_DB_URL"] = settings.tracker_db_url
    os.environ.setdefault("ACTION_SERVER_TOKEN", "")  # endpoints.yml sends it to the action server
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")


def main() -> None:
    prepare_environment(Settings.from_env())
    from rasa.__main__ import main as rasa_main

    from rasa_addons import guards, speedups

    guards.install(GuardSettings.from_env())
    speedups.install()
    rasa_main()


if __name__ == "__main__":
    main()
