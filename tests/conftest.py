from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.server import running_app

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def app_url(tmp_path_factory, artifacts):
    """One real embedded-default process for the suite's integration tests."""
    data_dir = tmp_path_factory.mktemp("rehearse-data")
    with running_app(data_dir, artifacts / "server.log") as (base, _proc):
        yield base
