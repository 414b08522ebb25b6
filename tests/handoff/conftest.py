"""A bot with live handoff on, Slack and Teams on, for each helpdesk's stand-in in turn."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "channels"))  # the Slack/Teams stand-ins
sys.path.insert(0, str(TESTS / "browser"))  # the widget as a person sees it

from channel_standins import Cloud, cloud_env  # noqa: E402
from helpdesk_standins import Helpdesk  # noqa: E402

from tools.stack import ONE_ADDRESS_LOAD_ENV, Stack, isolated_settings  # noqa: E402

FAST_HANDOFF_ENV = {
    "SUPPORT_HOURS": "always",
    "HANDOFF_SETTLE_SECONDS": "0.5",
    "HANDOFF_POLL_SECONDS": "0.2",
    "TICKETS_FORWARD_INTERVAL_SECONDS": "0.2",
}


@pytest.fixture(scope="session")
def handoff_cloud() -> Iterator[Cloud]:
    stand_in = Cloud()
    stand_in.server.start()
    yield stand_in
    stand_in.server.stop()


@pytest.fixture(scope="module", params=["zendesk", "jira", "servicenow"])
def helpdesk(request: pytest.FixtureRequest) -> Iterator[Helpdesk]:
    stand_in = Helpdesk(request.param)
    stand_in.server.start()
    yield stand_in
    stand_in.server.stop()


@pytest.fixture(scope="module")
def handoff_stack(
    helpdesk: Helpdesk, handoff_cloud: Cloud, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    var_dir = tmp_path_factory.mktemp(f"handoff-{helpdesk.kind}")
    env = {**ONE_ADDRESS_LOAD_ENV, **FAST_HANDOFF_ENV, **cloud_env(handoff_cloud), **helpdesk.env()}
    stack = Stack(isolated_settings(var_dir), extra_env=env, log_dir=var_dir / "logs")
    with stack.running() as running:
        helpdesk.bot_url = running.url()
        yield running
