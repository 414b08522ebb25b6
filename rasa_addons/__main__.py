"""`python -m rasa_addons <rasa arguments>`: the Rasa CLI with this project's defaults.

The protections no longer depend on it: Rasa loads them from credentials.yml (the guarded
channels) and endpoints.yml (the stores), so plain `rasa run` has them too (docs/reliability.md).
This wrapper only keeps telemetry (which would try the internet) off, creates the local data
folder and gives endpoints.yml's action server variables their one-machine defaults.
"""

from __future__ import annotations

import os
import sys

from bot.settings import Configuration, ConfigurationError, Settings


def prepare_environment(settings: Settings) -> None:
    """Exports what endpoints.yml and Rasa read, creating the local data folder."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    os.environ["ACTION_SERVER_URL"] = settings.action_server_url
    os.environ.setdefault("ACTION_SERVER_TOKEN", "")  # endpoints.yml sends it to the action server
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")


def main() -> None:
    """`python -m rasa_addons`: Rasa's command line, with the project's settings applied first."""
    try:
        Configuration.from_env()  # every variable checked before Rasa starts
    except ConfigurationError as unusable:
        sys.exit(f"python -m rasa_addons: the configuration is not usable:\n{unusable}")
    prepare_environment(Settings.from_env())
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
