"""A Rasa server with Slack and Teams switched on, and the stand-in for their clouds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from channel_standins import Cloud, cloud_env

from bot.settings import replace
from tools.stack import ONE_ADDRESS_LOAD_ENV, Stack, free_port


@pytest.fixture(scope="session")
def cloud() -> Iterator[Cloud]:
    stand_in = Cloud()
    stand_in.server.start()
    yield stand_in
    stand_in.server.stop()


@pytest.fixture(scope="session")
def channels_stack(
    bot_stack: Stack, cloud: Cloud, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """A second Rasa server (same model and action server as bot_stack) with Slack and Teams on."""
    var_dir = tmp_path_factory.mktemp("channels-var")
    settings = replace(
        bot_stack.settings,
        var_dir=var_dir,
        rasa_port=free_port(),
        tracker_db_url=f"sqlite:///{var_dir / 'tracker.db'}",
    )
    env = {**ONE_ADDRESS_LOAD_ENV, **cloud_env(cloud)}
    stack = Stack(settings, extra_env=env, log_dir=var_dir / "logs", start_action_server=False)
    with stack.running() as running:
        yield running
