"""Shared fixtures: the project's spaCy pipeline, a real running bot for server tests, and
throwaway PostgreSQL databases."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from spacy.language import Language
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from bot.nlp.builder import create_pipeline
from tools.stack import DEFAULT_MODEL, ONE_ADDRESS_LOAD_ENV, Stack, isolated_settings

# CI (HYPOTHESIS_PROFILE=ci in .ci/run) replays the same examples every run, so a red build
# always points at a reproducible input; at a desk the property tests keep exploring.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session")
def nlp() -> Language:
    return create_pipeline()


@pytest.fixture(scope="session")
def bot_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The trained bot on free ports, with its own SQLite stores and the HTTP API on."""
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"{DEFAULT_MODEL} is missing: run `make model` (make test does) first")
    var_dir: Path = tmp_path_factory.mktemp("var")
    stack = Stack(isolated_settings(var_dir), extra_env=ONE_ADDRESS_LOAD_ENV, log_dir=var_dir / "logs")
    with stack.running():
        yield stack


POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def new_postgres_database() -> Iterator[Callable[[str], str]]:
    """Makes empty PostgreSQL databases (URL returned) that are dropped at the end of the run."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    made: list[str] = []

    def make(prefix: str) -> str:
        name = f"{prefix}_{secrets.token_hex(6)}"
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        except OperationalError as error:
            pytest.fail(f"this test needs PostgreSQL at {POSTGRES_ADMIN_URL}: {error.orig}")
        made.append(name)
        return admin.url.set(database=name).render_as_string(hide_password=False)

    yield make
    with admin.connect() as connection:
        for name in made:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
