import pytest

from rehearse.adapters.local.sqlite_store import SqliteStore
from rehearse.domain.errors import ConcurrencyConflict


@pytest.fixture
def store(tmp_path):
    return SqliteStore(tmp_path / "store.sqlite3")


async def test_documents_round_trip_with_an_etag(store):
    etag = await store.upsert("sessions", "s1", "s1", {"a": 1})
    doc, stored_etag = await store.get("sessions", "s1", "s1")
    assert doc == {"a": 1} and stored_etag == etag


async def test_stale_etag_is_a_conflict(store):
    first = await store.upsert("sessions", "s1", "s1", {"a": 1})
    await store.upsert("sessions", "s1", "s1", {"a": 2}, if_match=first)
    with pytest.raises(ConcurrencyConflict):
        await store.upsert("sessions", "s1", "s1", {"a": 3}, if_match=first)
    assert (await store.get("sessions", "s1", "s1"))[0] == {"a": 2}


async def test_partitions_are_separate(store):
    await store.upsert("segments", "s1", "a", {"n": 1})
    await store.upsert("segments", "s2", "b", {"n": 2})
    assert await store.list("segments", "s1") == [{"n": 1}]


async def test_documents_survive_reopening(tmp_path):
    path = tmp_path / "store.sqlite3"
    first = SqliteStore(path)
    await first.upsert("segments", "s1", "a", {"text": "kept"})
    await first.close()
    assert (await SqliteStore(path).get("segments", "s1", "a"))[0] == {"text": "kept"}


async def test_delete_removes_the_document(store):
    await store.upsert("segments", "s1", "a", {"n": 1})
    await store.delete("segments", "s1", "a")
    assert await store.get("segments", "s1", "a") is None


async def test_counters_add_up_across_two_stores_on_one_file(tmp_path):
    import asyncio
    import time

    first, second = SqliteStore(tmp_path / "shared.sqlite3"), SqliteStore(tmp_path / "shared.sqlite3")
    expires = time.time() + 60
    counts = await asyncio.gather(*(s.increment("quotas", "a:x", "sessions-0", 1, expires) for s in (first, second) * 10))
    assert sorted(counts) == list(range(1, 21))
    await first.increment("quotas", "a:x", "sessions-old", 3, time.time() - 1)  # already past its window
    assert await second.increment("quotas", "a:x", "sessions-old", 0.5, expires) == 0.5  # starts again from 0
