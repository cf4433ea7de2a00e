"""CosmosStore's Cosmos-specific behaviour against cosmosdb-server; the Store contract itself is in tests/adapters/test_store_contract.py."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from azure.cosmos import PartitionKey
from azure.cosmos.aio import CosmosClient, DatabaseProxy

from rehearse.adapters.azure.cosmos_store import CONTAINERS, PARTITION_KEY_PATH, CosmosStore
from tests.adapters.azure.conftest import CosmosServer


@pytest.fixture
def database_name() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def store(cosmos_server: CosmosServer, database_name: str) -> AsyncIterator[CosmosStore]:
    opened = CosmosStore(
        cosmos_server.endpoint, database_name, key=cosmos_server.key, create_if_missing=True, connection_verify=False
    )
    yield opened
    await opened.close()


@pytest.fixture
async def client(cosmos_server: CosmosServer) -> AsyncIterator[CosmosClient]:
    """The SDK used directly, as other tools (Data Explorer, Bicep) see the account."""
    async with CosmosClient(cosmos_server.endpoint, cosmos_server.key, connection_verify=False) as opened:
        yield opened


@pytest.fixture
def database(client: CosmosClient, database_name: str) -> DatabaseProxy:
    return client.get_database_client(database_name)


async def test_every_container_is_created_partitioned_by_session_id(store: CosmosStore, database: DatabaseProxy) -> None:
    await store.get("sessions", "s1", "s1")  # the first call opens the store
    properties = {c["id"]: c async for c in database.list_containers()}
    assert sorted(properties) == sorted(CONTAINERS)
    assert all(c["partitionKey"]["paths"] == [PARTITION_KEY_PATH] for c in properties.values())


async def test_items_hold_the_callers_fields_with_id_and_session_id(store: CosmosStore, database: DatabaseProxy) -> None:
    etag = await store.upsert("segments", "s1", "seg-1", {"session_id": "s1", "text": "hello", "seq": 1})
    item = await database.get_container_client("segments").read_item("seg-1", partition_key="s1")
    assert {k: v for k, v in item.items() if not k.startswith("_")} == {
        "id": "seg-1",
        "session_id": "s1",
        "text": "hello",
        "seq": 1,
    }
    assert item["_etag"] == etag


async def test_the_adapters_own_field_name_round_trips_too(store: CosmosStore) -> None:
    doc = {"_rehearse_own": {"id": "x"}, "id": "y", "session_id": "z"}
    await store.upsert("reports", "s1", "r1", doc)
    assert (await store.get("reports", "s1", "r1"))[0] == doc


async def test_a_second_store_on_the_same_database_sees_the_documents(
    cosmos_server: CosmosServer, store: CosmosStore, database_name: str
) -> None:
    etag = await store.upsert("sessions", "s1", "s1", {"a": 1})
    # without create_if_missing, as in Azure where Bicep made the containers
    other = CosmosStore(cosmos_server.endpoint, database_name, key=cosmos_server.key, connection_verify=False)
    try:
        assert await other.get("sessions", "s1", "s1") == ({"a": 1}, etag)
    finally:
        await other.close()


async def test_an_unknown_container_is_refused_with_the_known_ones(store: CosmosStore) -> None:
    with pytest.raises(ValueError, match="sessions, segments"):
        await store.upsert("transcripts", "s1", "a", {})


@pytest.mark.parametrize("doc_id", ["a/b", "a\\b", "a?b", "a#b", "", "x" * 256])
async def test_ids_cosmos_cannot_address_are_refused(store: CosmosStore, doc_id: str) -> None:
    with pytest.raises(ValueError, match="Cosmos document ids"):
        await store.upsert("segments", "s1", doc_id, {})


async def test_a_missing_database_is_reported_not_read_as_empty(cosmos_server: CosmosServer, database_name: str) -> None:
    store = CosmosStore(cosmos_server.endpoint, database_name, key=cosmos_server.key, connection_verify=False)
    try:
        with pytest.raises(RuntimeError, match=f"{database_name}/sessions does not exist: deploy it with Bicep"):
            await store.get("sessions", "s1", "s1")
    finally:
        await store.close()


async def test_a_container_with_another_partition_key_is_refused(
    cosmos_server: CosmosServer, client: CosmosClient, database_name: str
) -> None:
    database = await client.create_database(database_name)
    for name in CONTAINERS:
        path = "/pk" if name == "scores" else PARTITION_KEY_PATH
        await database.create_container(name, partition_key=PartitionKey(path=path))
    store = CosmosStore(cosmos_server.endpoint, database_name, key=cosmos_server.key, connection_verify=False)
    try:
        with pytest.raises(RuntimeError, match=r"scores is partitioned by \['/pk'\]"):
            await store.get("sessions", "s1", "s1")
    finally:
        await store.close()


async def test_a_counter_item_carries_a_ttl_that_ends_with_its_window(store: CosmosStore, database: DatabaseProxy) -> None:
    import time

    await store.increment("quotas", "a:hash", "sessions-0", 1, time.time() + 600)
    item = await database.get_container_client("quotas").read_item("sessions-0", partition_key="a:hash")
    assert item["count"] == 1 and 595 <= item["ttl"] <= 600  # Cosmos deletes it once its window is over
