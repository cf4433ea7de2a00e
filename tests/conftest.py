from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.server import running_app

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
TESTS = Path(__file__).resolve().parent

# What `make test-fast` leaves out: a browser, WebRTC, the local Azure servers, a running app, or seconds of model
# fitting. Everything else is the unit tier, for the edit-test loop (`pytest -m "not slow"`, under a minute).
_SLOW_FOLDERS = ("e2e", "faults", "bench", "media_relay", "fuzz", "security", "infra", "functions", "adapters/azure")
_SLOW_FILES = ("adapters/test_store_contract.py", "adapters/test_session_deletion.py", "adapters/test_telemetry.py",
               "scoring/test_trained_models.py", "test_tracing.py", "test_history.py")  # fmt: skip


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        where = Path(str(item.fspath)).resolve().relative_to(TESTS).as_posix()
        if where.startswith(tuple(f + "/" for f in _SLOW_FOLDERS)) or where in _SLOW_FILES:
            item.add_marker(pytest.mark.slow)


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
