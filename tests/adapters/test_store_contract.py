"""The Store port's contract, held by every adapter: SQLite (embedded default) and Cosmos DB (against cosmosdb-server)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from rehearse.adapters.azure.cosmos_store import CosmosStore
from rehearse.adapters.local.sqlite_store import SqliteStore
from rehearse.app.sessions import Sessions, parse_create_request
from rehearse.domain.errors import ConcurrencyConflict
from rehearse.domain.question_bank import default_bank
from rehearse.ports import Store
from tests.adapters.azure.conftest import cosmos_server  # noqa: F401  (the fixture: one server shared with tests/adapters/azure)


@pytest.fixture(params=["sqlite", "cosmos"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        opened: Store = SqliteStore(request.getfixturevalue("tmp_path") / "store.sqlite3")
    else:
        server = request.getfixturevalue("cosmos_server")
        # a database per test: every test starts empty, as with a new SQLite file
        opened = CosmosStore(
            server.endpoint, f"test-{uuid.uuid4().hex[:12]}", key=server.key, create_if_missing=True, connection_verify=False
        )
    yield opened
    await opened.close()


async def test_documents_round_trip_with_an_etag(store: Store) -> None:
    etag = await store.upsert("sessions", "s1", "s1", {"a": 1})
    doc, stored_etag = await store.get("sessions", "s1", "s1")
    assert doc == {"a": 1} and stored_etag == etag


async def test_missing_document_is_none(store: Store) -> None:
    assert await store.get("sessions", "s1", "nothing-here") is None


async def test_every_write_changes_the_etag(store: Store) -> None:
    first = await store.upsert("sessions", "s1", "s1", {"a": 1})
    second = await store.upsert("sessions", "s1", "s1", {"a": 1})
    third = await store.upsert("sessions", "s1", "s1", {"a": 2}, if_match=second)
    assert len({first, second, third}) == 3
    assert await store.get("sessions", "s1", "s1") == ({"a": 2}, third)


async def test_stale_etag_is_a_conflict(store: Store) -> None:
    first = await store.upsert("sessions", "s1", "s1", {"a": 1})
    await store.upsert("sessions", "s1", "s1", {"a": 2}, if_match=first)
    with pytest.raises(ConcurrencyConflict):
        await store.upsert("sessions", "s1", "s1", {"a": 3}, if_match=first)
    assert (await store.get("sessions", "s1", "s1"))[0] == {"a": 2}


async def test_conditional_write_to_a_deleted_document_is_a_conflict(store: Store) -> None:
    etag = await store.upsert("sessions", "s1", "s1", {"a": 1})
    await store.delete("sessions", "s1", "s1")
    with pytest.raises(ConcurrencyConflict):
        await store.upsert("sessions", "s1", "s1", {"a": 2}, if_match=etag)
    assert await store.get("sessions", "s1", "s1") is None


async def test_partitions_are_separate(store: Store) -> None:
    await store.upsert("segments", "s1", "a", {"n": 1})
    await store.upsert("segments", "s2", "b", {"n": 2})
    await store.upsert("segments", "s2", "a", {"n": 3})
    assert await store.list("segments", "s1") == [{"n": 1}]
    assert (await store.get("segments", "s2", "a"))[0] == {"n": 3}


async def test_containers_are_separate(store: Store) -> None:
    await store.upsert("scores", "s1", "a", {"n": 1})
    assert await store.get("summaries", "s1", "a") is None
    assert await store.list("summaries", "s1") == []


async def test_list_is_ordered_by_document_id(store: Store) -> None:
    ids = ["b", "a10", "a9", "B", "é", "a", "a-1", "a_1"]
    for doc_id in ids:
        await store.upsert("segments", "s1", doc_id, {"id_was": doc_id})
    assert [d["id_was"] for d in await store.list("segments", "s1")] == sorted(ids)


async def test_delete_removes_the_document_and_ignores_a_missing_one(store: Store) -> None:
    await store.upsert("segments", "s1", "a", {"n": 1})
    await store.delete("segments", "s1", "a")
    await store.delete("segments", "s1", "a")
    await store.delete("segments", "s1", "never-written")
    assert await store.get("segments", "s1", "a") is None
    assert await store.list("segments", "s1") == []


ROUND_TRIPS: dict[str, dict[str, Any]] = {
    "empty": {},
    "json types": {
        "text": 'héllo — 🎤 "quoted" \n',
        "int": 42,
        "float": 0.1,
        "negative": -2.5e-7,
        "largest exact int": 2**53,
        "flag": True,
        "none": None,
        "list": [1, "two", {"three": [3.5]}],
        "nested": {"deep": {"empty": [], "obj": {}}},
    },
    "own session id, the partition's": {"session_id": "s1", "seq": 3},
    "own session id, another": {"session_id": "someone-else", "seq": 3},
    "own id, the document's": {"id": "d1", "session_id": "s1"},
    "own id, another": {"id": "not-d1"},
    "names databases keep for themselves": {"_rid": "r", "_self": "s", "_etag": "e", "_attachments": "a", "_ts": 1, "ttl": 5},
    "underscore names": {"_private": 1, "__dunder__": 2},
}


@pytest.mark.parametrize("doc", ROUND_TRIPS.values(), ids=ROUND_TRIPS.keys())
async def test_documents_come_back_exactly_as_written(store: Store, doc: dict[str, Any]) -> None:
    await store.upsert("evaluations", "s1", "d1", doc)
    assert (await store.get("evaluations", "s1", "d1"))[0] == doc
    assert await store.list("evaluations", "s1") == [doc]


async def test_concurrent_read_modify_writes_all_land(store: Store) -> None:
    """Sessions.open_connection is a read-modify-write on one document: etags must make concurrent writers retry."""
    sessions = Sessions(store, default_bank())
    session = await sessions.create(parse_create_request({"role": "software_engineer", "question_count": 1}))
    await asyncio.gather(*(sessions.open_connection(session.session_id) for _ in range(20)))
    assert (await sessions.get(session.session_id)).connections == 20


# -- counters (quotas): one atomic increment, across processes and replicas ---------------------------------------------
async def test_a_counter_starts_at_its_first_amount_and_adds_up(store: Store) -> None:
    expires = time.time() + 3600
    assert await store.increment("quotas", "c:abc", "sessions-0", 1, expires) == 1
    assert await store.increment("quotas", "c:abc", "sessions-0", 2.5, expires) == 3.5
    doc, _ = await store.get("quotas", "c:abc", "sessions-0")
    assert doc["count"] == 3.5 and doc["expires_at"] == pytest.approx(expires)


async def test_concurrent_increments_are_none_of_them_lost(store: Store) -> None:
    expires = time.time() + 3600
    counts = await asyncio.gather(*(store.increment("quotas", "a:x", "sessions-0", 1, expires) for _ in range(20)))
    assert sorted(counts) == list(range(1, 21))


async def test_an_expired_counter_starts_again_from_zero(store: Store) -> None:
    await store.increment("quotas", "s1", "audio", 7, time.time() - 1)
    assert await store.increment("quotas", "s1", "audio", 2, time.time() + 60) == 2


async def test_counters_go_with_their_partition(store: Store) -> None:
    await store.increment("quotas", "s1", "llm", 1, time.time() + 60)
    assert await store.delete_partition("quotas", "s1") == 1
    assert await store.get("quotas", "s1", "llm") is None


# -- the session lease (rehearse/domain/lease.py): written only on the etag it was read with, across replicas ------------
async def test_a_lease_is_created_only_where_there_is_none(store: Store) -> None:
    assert await store.get_lease("s1") is None
    etag = await store.put_lease("s1", {"holder": "a/1", "expires_at": 5.0}, None)
    assert await store.get_lease("s1") == ({"holder": "a/1", "expires_at": 5.0}, etag)
    with pytest.raises(ConcurrencyConflict):
        await store.put_lease("s1", {"holder": "b/1", "expires_at": 6.0}, None)
    assert (await store.get_lease("s1"))[0]["holder"] == "a/1"


async def test_a_lease_is_replaced_only_on_the_etag_it_was_read_with(store: Store) -> None:
    first = await store.put_lease("s1", {"holder": "a/1"}, None)
    second = await store.put_lease("s1", {"holder": "b/1"}, first)
    with pytest.raises(ConcurrencyConflict):
        await store.put_lease("s1", {"holder": "c/1"}, first)
    assert await store.get_lease("s1") == ({"holder": "b/1"}, second)


async def test_of_racing_take_overs_exactly_one_wins(store: Store) -> None:
    etag = await store.put_lease("s1", {"holder": "a/1"}, None)
    outcomes = await asyncio.gather(*(store.put_lease("s1", {"holder": f"r{i}/1"}, etag) for i in range(8)), return_exceptions=True)
    winners = [o for o in outcomes if isinstance(o, str)]
    assert len(winners) == 1 and all(isinstance(o, ConcurrencyConflict) for o in outcomes if not isinstance(o, str))
    assert (await store.get_lease("s1"))[1] == winners[0]


async def test_a_lease_is_its_sessions_and_goes_with_it(store: Store) -> None:
    await store.put_lease("s1", {"holder": "a/1"}, None)
    await store.put_lease("s2", {"holder": "b/1"}, None)
    assert (await store.get_lease("s2"))[0] == {"holder": "b/1"}
    await store.delete_partition("sessions", "s1")
    assert await store.get_lease("s1") is None and await store.get_lease("s2") is not None
