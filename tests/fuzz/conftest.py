from __future__ import annotations

import pytest

from tests.fuzz.embedded import embedded_app


@pytest.fixture(scope="module")
async def embedded(tmp_path_factory):
    """The embedded default's app in this process, on a real socket; one per test module."""
    async with embedded_app(tmp_path_factory.mktemp("fuzz-data")) as app:
        yield app
        await app.close_live()
        health = await app.request("GET", "/healthz")
        assert health.status == 200, "the server no longer answers /healthz after the fuzzing"


@pytest.fixture(scope="module")
async def session(embedded):
    return await embedded.create_session("software_engineer", 2)
