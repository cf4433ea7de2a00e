from __future__ import annotations

import time

import pytest

from tests.fuzz.embedded import embedded_app


class MovableClock:
    """A clock a test can turn back, to be handed tokens that expired long ago."""

    def __init__(self) -> None:
        self.offset_s = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset_s


@pytest.fixture(scope="module")
def hub_clock() -> MovableClock:
    return MovableClock()


@pytest.fixture(scope="module")
async def embedded(tmp_path_factory, hub_clock):
    async with embedded_app(tmp_path_factory.mktemp("security-data"), hub_clock=hub_clock) as app:
        yield app
        await app.close_live()


@pytest.fixture(scope="module")
async def a(embedded):
    return await embedded.create_session("software_engineer", 2)


@pytest.fixture(scope="module")
async def b(embedded):
    return await embedded.create_session("product_manager", 2)
