"""Shared fixtures: the project's spaCy pipeline, a real running bot for server tests, and
throwaway PostgreSQL databases."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings as hypothesis_settings

from bot.settings import IN_PROCESS_ACTIONS
from tools.databases import PostgresUnavailable, throwaway_postgres
from tools.stack import DEFAULT_MODEL, ONE_ADDRESS_LOAD_ENV, Stack, isolated_settings

# CI (HYPOTHESIS_PROFILE=ci in .ci/run) replays the same examples every run, so a red build
# always points at a reproducible input; at a desk the property tests keep exploring.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
# `make check` (the inner loop) tries fewer examples; `make test` and CI the full number.
hypothesis_settings.register_profile("check", max_examples=20)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

if TYPE_CHECKING:
    from spacy.language import Language

BROWSER_TESTS = Path(__file__).parent / "browser"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks the browser tests, so `make check` (-m "not servers and not browser") leaves them out."""
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def nlp() -> Language:
    # imported here: spaCy (and the TensorFlow that thinc imports with it) costs seconds, which
    # the xdist controller and the tests that need no pipeline are spared
    from bot.nlp.builder import create_pipeline

    return create_pipeline()


@pytest.fixture(scope="session")
def bot_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The trained bot as `make run` starts it (the actions inside the Rasa process), on free
    ports, with its own SQLite stores and the HTTP API on."""
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"{DEFAULT_MODEL} is missing: run `make model` (make test does) first")
    var_dir: Path = tmp_path_factory.mktemp("var")
    settings = isolated_settings(var_dir, action_server_url=IN_PROCESS_ACTIONS)
    stack = Stack(settings, extra_env=ONE_ADDRESS_LOAD_ENV, log_dir=var_dir / "logs")
    with stack.running():
        yield stack


@pytest.fixture(scope="session")
def new_postgres_database() -> Iterator[Callable[[str], str]]:
    """Makes empty PostgreSQL databases (URL returned) that are dropped at the end of the run."""
    with ExitStack() as made:

        def make(prefix: str) -> str:
            try:
                return made.enter_context(throwaway_postgres(prefix))
            except PostgresUnavailable as error:
                pytest.fail(str(error))

        yield make
