"""Deleting a session and listing a candidate's interviews hold on both worlds: SQLite + a folder (embedded default)
and Cosmos DB + Blob Storage (against cosmosdb-server and Azurite)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from rehearse.adapters.azure.blob_store import AzureBlobs
from rehearse.adapters.azure.cosmos_store import CosmosStore
from rehearse.adapters.local.folder_blobs import FolderBlobs
from rehearse.adapters.local.sqlite_store import SqliteStore
from rehearse.app import history
from rehearse.app.sessions import SESSION_BLOB_CONTAINERS, SESSION_CONTAINERS, SESSIONS, Sessions, parse_create_request
from rehearse.domain.errors import UnknownSession
from rehearse.domain.question_bank import default_bank
from rehearse.ports import Blobs, Store
from tests.adapters.azure.conftest import azurite, cosmos_server  # noqa: F401  (the fixtures: one server of each per run)


@pytest.fixture(params=["embedded", "azure"])
async def world(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Store, Blobs]]:
    if request.param == "embedded":
        tmp = request.getfixturevalue("tmp_path")
        store: Store = SqliteStore(tmp / "store.sqlite3")
        blobs: Blobs = FolderBlobs(tmp / "blobs")
    else:
        server = request.getfixturevalue("cosmos_server")
        store = CosmosStore(server.endpoint, f"test-{uuid.uuid4().hex[:12]}", key=server.key, create_if_missing=True, connection_verify=False)
        blobs = AzureBlobs(connection_string=request.getfixturevalue("azurite").connection_string, create_containers=True)
    yield store, blobs
    await blobs.close()
    await store.close()


async def test_delete_partition_removes_exactly_one_partition(world) -> None:
    store, _ = world
    for doc_id in ("a", "b", "c"):
        await store.upsert("scores", "s1", doc_id, {"n": doc_id})
    await store.upsert("scores", "s2", "a", {"n": "kept"})
    assert await store.delete_partition("scores", "s1") == 3
    assert await store.list("scores", "s1") == [] and await store.list("scores", "s2") == [{"n": "kept"}]
    assert await store.delete_partition("scores", "s1") == 0


async def test_history_is_partitioned_by_candidate_and_round_trips(world) -> None:
    store, _ = world
    sessions = Sessions(store, default_bank())
    ada = await sessions.create(parse_create_request({"role": "sales", "question_count": 1}), candidate_id="c_ada")
    await sessions.create(parse_create_request({"role": "sales", "question_count": 1}), candidate_id="c_eve")
    # the entry's own session_id differs from its partition value (the candidate id): it must come back unchanged
    [entry] = await store.list(history.HISTORY, "c_ada")
    assert history.HistoryEntry.model_validate(entry) == history.entry_for(ada)
    assert [r.session_id for r in await history.past_interviews(store, "c_ada")] == [ada.session_id]


async def test_deleting_a_session_leaves_nothing_of_it(world) -> None:
    store, blobs = world
    sessions = Sessions(store, default_bank())
    doomed = await sessions.create(parse_create_request({"role": "sales", "question_count": 1}), candidate_id="c_ada")
    kept = await sessions.create(parse_create_request({"role": "sales", "question_count": 1}), candidate_id="c_ada")
    for session in (doomed, kept):
        sid = session.session_id
        for container in SESSION_CONTAINERS:
            if container != SESSIONS:
                await store.upsert(container, sid, f"{sid}.{container}", {"session_id": sid})
        for container in SESSION_BLOB_CONTAINERS:
            await blobs.put(container, f"{sid}/x.json", b"{}")

    deleted = await sessions.delete(doomed.session_id, blobs)

    sid = doomed.session_id
    assert (deleted.documents, deleted.blobs) == (len(SESSION_CONTAINERS) + 1, len(SESSION_BLOB_CONTAINERS))
    for container in SESSION_CONTAINERS:
        assert await store.list(container, sid) == []
        assert await store.list(container, kept.session_id) != []
    for container in SESSION_BLOB_CONTAINERS:
        assert await blobs.list(container, f"{sid}/") == []
        assert await blobs.list(container, f"{kept.session_id}/") == [f"{kept.session_id}/x.json"]
    assert [r.session_id for r in await history.past_interviews(store, "c_ada")] == [kept.session_id]
    with pytest.raises(UnknownSession):
        await sessions.delete(sid, blobs)
