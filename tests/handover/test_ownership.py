"""A relay connection's hold on its session (media_relay/ownership.py) over a real Store shared by two "replicas":
taken on the offer, renewed, checked before each write, let go on close; a connection that was taken over learns it
within a renewal and writes nothing after its handover window."""

from __future__ import annotations

import asyncio
import time

import pytest

from media_relay.ownership import Ownership
from rehearse.adapters.local.sqlite_store import SqliteStore
from rehearse.domain.lease import HANDOVER_S, RENEW_S, LeaseLost


@pytest.fixture
async def stores(tmp_path):
    """Two connections to one SQLite file: what two replica processes share."""
    a, b = SqliteStore(tmp_path / "store.sqlite3"), SqliteStore(tmp_path / "store.sqlite3")
    yield a, b
    await a.close()
    await b.close()


async def test_the_first_connection_writes_at_once(stores) -> None:
    owner = Ownership(stores[0], "s1", "replica-a")
    await owner.take()
    started = time.monotonic()
    await owner.before_write()
    assert time.monotonic() - started < 0.2


async def test_a_taken_over_connection_learns_it_within_a_renewal_and_lets_go(stores) -> None:
    lost = asyncio.Event()
    old = Ownership(stores[0], "s1", "replica-a", on_lost=lost.set)
    await old.take()
    keeping = asyncio.ensure_future(old.keep())
    new = Ownership(stores[1], "s1", "replica-b")
    await new.take()
    taken = time.monotonic()
    await asyncio.wait_for(lost.wait(), RENEW_S * 2 + 0.5)
    assert old.lost and time.monotonic() - taken <= RENEW_S * 2 + 0.5
    await old.before_write()  # its last finals, within the handover window
    await old.release()
    started = time.monotonic()
    await new.before_write()  # the old one let go: no waiting out the window
    assert time.monotonic() - started < 0.5
    with pytest.raises(LeaseLost):
        await old.before_write()
    await keeping


async def test_the_new_holder_waits_out_a_silent_previous_holder(stores) -> None:
    old = Ownership(stores[0], "s1", "replica-a")
    await old.take()
    new = Ownership(stores[1], "s1", "replica-b")
    await new.take()
    started = time.monotonic()
    await new.before_write()  # the old one never lets go (its replica is stuck or dead)
    assert HANDOVER_S <= time.monotonic() - started < HANDOVER_S + 1.5
    with pytest.raises(LeaseLost):
        await old.before_write()


async def test_racing_offers_leave_one_holder(stores) -> None:
    owners = [Ownership(stores[i % 2], "s1", f"replica-{i}") for i in range(6)]
    await asyncio.gather(*(o.take() for o in owners))
    holder = (await stores[0].get_lease("s1"))[0]["holder"]
    assert [o.holder for o in owners].count(holder) == 1


async def test_a_closed_connection_frees_the_session_for_the_next_at_once(stores) -> None:
    old = Ownership(stores[0], "s1", "replica-a")
    await old.take()
    await old.release()
    new = Ownership(stores[1], "s1", "replica-b")
    await new.take()
    started = time.monotonic()
    await new.before_write()
    assert time.monotonic() - started < 0.2
