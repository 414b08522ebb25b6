"""The tracker store endpoints.yml names: its URL from TRACKER_DB_URL (no variable to fill in
endpoints.yml), connections checked before use, and the checked patches applied on loading."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from rasa.core.tracker_store import FailSafeTrackerStore

from rasa_addons import patches
from rasa_addons.stores import EnvSQLTrackerStore


def test_the_tracker_store_reads_its_url_and_pings_before_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "nested" / "tracker.db"
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{database}")
    store = EnvSQLTrackerStore(domain=None)
    try:
        assert database.exists()  # its folder made, its tables created
        assert store.engine.pool._pre_ping is True
        hook = inspect.getattr_static(FailSafeTrackerStore, "on_tracker_store_retrieve_error")
        assert getattr(hook, "__patched_by__", None) is patches.PATCHES[1]
    finally:
        store.engine.dispose()
