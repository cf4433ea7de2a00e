"""Store on Azure Cosmos DB (NoSQL API): one Cosmos container per Store container, partitioned by session id."""

from __future__ import annotations

import asyncio
import math
import random
import time
from typing import Any

from azure.core import MatchConditions
from azure.core.credentials_async import AsyncTokenCredential
from azure.cosmos import PartitionKey
from azure.cosmos.aio import ContainerProxy, CosmosClient
from azure.cosmos.exceptions import CosmosAccessConditionFailedError, CosmosResourceExistsError, CosmosResourceNotFoundError

from rehearse.domain.errors import ConcurrencyConflict

# Bicep creates exactly these (infrastructure tests compare it with these constants); other names are refused.
CONTAINERS: tuple[str, ...] = (
    "sessions", "segments", "answers", "scores", "evaluations", "summaries", "reports", "poison", "recordings", "history", "quotas",
)  # fmt: skip
# "history" is the one container partitioned by candidate id: its partition key path is the same /session_id, whose value
# there is the candidate's id (the Store's partition argument), so every container keeps one partition key path.
PARTITION_KEY_PATH = "/session_id"
# The session's lease is a document beside the session's own (same container and partition): it goes with the session.
LEASES, LEASE_ID = "sessions", "lease"

_SYSTEM_KEYS = frozenset({"_rid", "_self", "_etag", "_attachments", "_ts"})
# The caller's own values for names Cosmos or this adapter give a meaning to; see _to_item. `ttl` is among them
# because, once a container has a default time to live, an item's `ttl` field would expire it.
_OWN = "_rehearse_own"
_RESERVED = _SYSTEM_KEYS | {"id", "session_id", "ttl", _OWN}
_FORBIDDEN_IN_ID = frozenset("/\\?#")


class CosmosStore:
    """Documents as Cosmos items: `id` is the document id, `session_id` the partition key, `_etag` the etag."""

    def __init__(
        self,
        endpoint: str,
        database: str = "rehearse",
        *,
        key: str | None = None,
        credential: AsyncTokenCredential | None = None,
        create_if_missing: bool = False,
        connection_verify: bool = True,
    ) -> None:
        """Signs in with `key` when given, else `credential`, else DefaultAzureCredential (managed identity in Azure).

        create_if_missing makes the database and containers (emulators; in Azure, Bicep owns them and data-plane
        RBAC may not create them). connection_verify=False is for emulators with self-signed certificates only."""
        self._owned_credential: AsyncTokenCredential | None = None
        if key is None and credential is None:
            from azure.identity.aio import DefaultAzureCredential

            credential = self._owned_credential = DefaultAzureCredential()
        self._client = CosmosClient(endpoint, credential=key or credential, connection_verify=connection_verify)
        self._database_name = database
        self._create_if_missing = create_if_missing
        self._containers: dict[str, ContainerProxy] = {}
        self._opening = asyncio.Lock()
        self._entered = False

    async def get(self, container: str, session_id: str, doc_id: str) -> tuple[dict[str, Any], str] | None:
        proxy = await self._container(container)
        try:
            item = await proxy.read_item(_checked_id(doc_id), partition_key=session_id)
        except CosmosResourceNotFoundError:
            return None
        return _from_item(item), item["_etag"]

    async def upsert(self, container: str, session_id: str, doc_id: str, doc: dict[str, Any], if_match: str | None = None) -> str:
        proxy = await self._container(container)
        item = _to_item(doc, _checked_id(doc_id), session_id)
        if if_match is None:
            return (await proxy.upsert_item(item))["_etag"]
        # A conditional write replaces: Cosmos' upsert would create a document that was deleted since it was read,
        # where the Store port (and SqliteStore) report a conflict.
        try:
            written = await proxy.replace_item(doc_id, item, etag=if_match, match_condition=MatchConditions.IfNotModified)
        except (CosmosAccessConditionFailedError, CosmosResourceNotFoundError):
            raise ConcurrencyConflict(f"{container}/{doc_id} changed since it was read") from None
        return written["_etag"]

    async def list(self, container: str, session_id: str) -> list[dict[str, Any]]:
        proxy = await self._container(container)
        # The WHERE clause repeats the partition key so that emulators that check single-partition queries accept it.
        pages = proxy.query_items(
            "SELECT * FROM c WHERE c.session_id = @session_id",
            parameters=[{"name": "@session_id", "value": session_id}],
            partition_key=session_id,
        )
        items = [item async for item in pages]
        # Sorted here, not with ORDER BY: the same code-point order as SqliteStore, and no dependence on the
        # container's indexing policy (a session holds hundreds of documents at most).
        items.sort(key=lambda item: item["id"])
        return [_from_item(item) for item in items]

    async def delete(self, container: str, session_id: str, doc_id: str) -> None:
        proxy = await self._container(container)
        try:
            await proxy.delete_item(_checked_id(doc_id), partition_key=session_id)
        except CosmosResourceNotFoundError:
            pass

    async def delete_partition(self, container: str, session_id: str) -> int:
        proxy = await self._container(container)
        # Item by item: the SDK's delete-by-partition-key is a preview feature that emulators do not implement, and a
        # partition holds hundreds of documents at most.
        pages = proxy.query_items(
            "SELECT c.id FROM c WHERE c.session_id = @session_id",
            parameters=[{"name": "@session_id", "value": session_id}],
            partition_key=session_id,
        )
        ids = [item["id"] async for item in pages]
        for doc_id in ids:
            try:
                await proxy.delete_item(doc_id, partition_key=session_id)
            except CosmosResourceNotFoundError:
                pass  # another deleter got there first
        return len(ids)

    async def increment(self, container: str, session_id: str, doc_id: str, amount: float, expires_at: float) -> float:
        """Read, then create or replace on the etag; a writer that lost the race reads again. The item's `ttl` makes
        Cosmos delete it after its window; `expires_at` is checked too, since TTL deletion may lag (and emulators skip it)."""
        proxy = await self._container(container)
        doc_id = _checked_id(doc_id)
        for attempt in range(50):
            now = time.time()
            try:
                item = await proxy.read_item(doc_id, partition_key=session_id)
            except CosmosResourceNotFoundError:
                item = None
            fresh = item is None or item.get("expires_at", 0) <= now
            until = expires_at if fresh else item["expires_at"]
            count = amount + (0 if fresh else item["count"])
            body = {"id": doc_id, "session_id": session_id, "count": count, "expires_at": until, "ttl": max(1, math.ceil(until - now))}
            try:
                if item is None:
                    await proxy.create_item(body)
                else:
                    await proxy.replace_item(doc_id, body, etag=item["_etag"], match_condition=MatchConditions.IfNotModified)
                return count
            except (CosmosResourceExistsError, CosmosAccessConditionFailedError, CosmosResourceNotFoundError):
                await asyncio.sleep(random.uniform(0, 0.005 * min(attempt + 1, 10)))
        raise ConcurrencyConflict(f"{container}/{doc_id} kept changing; try again")

    async def get_lease(self, session_id: str) -> tuple[dict[str, Any], str] | None:
        return await self.get(LEASES, session_id, LEASE_ID)

    async def put_lease(self, session_id: str, lease: dict[str, Any], etag: str | None) -> str:
        """Create (none may exist) or replace on the etag: Cosmos makes either atomic within the partition."""
        proxy = await self._container(LEASES)
        item = _to_item(lease, LEASE_ID, session_id)
        try:
            if etag is None:
                return (await proxy.create_item(item))["_etag"]
            return (await proxy.replace_item(LEASE_ID, item, etag=etag, match_condition=MatchConditions.IfNotModified))["_etag"]
        except (CosmosResourceExistsError, CosmosAccessConditionFailedError, CosmosResourceNotFoundError):
            raise ConcurrencyConflict(f"the lease of session {session_id} changed since it was read") from None

    async def close(self) -> None:
        await self._client.close()
        if self._owned_credential is not None:
            await self._owned_credential.close()

    async def _container(self, name: str) -> ContainerProxy:
        if name not in CONTAINERS:
            raise ValueError(f"unknown Store container {name!r}: Cosmos has {', '.join(CONTAINERS)} (add new ones to Bicep too)")
        if not self._containers:
            async with self._opening:
                if not self._containers:
                    await self._open()
        return self._containers[name]

    async def _open(self) -> None:
        # __aenter__ reads the account (regions, endpoints) once; close() is its __aexit__.
        if not self._entered:
            await self._client.__aenter__()
            self._entered = True
        if self._create_if_missing:
            database = await self._client.create_database_if_not_exists(self._database_name)
            for name in CONTAINERS:
                await database.create_container_if_not_exists(name, partition_key=PartitionKey(path=PARTITION_KEY_PATH))
        else:
            database = self._client.get_database_client(self._database_name)
        containers = {name: database.get_container_client(name) for name in CONTAINERS}
        # Checked once here so that a missing container is not mistaken for missing documents (both are a 404), and
        # a wrong partition key fails now rather than on the first write. read() also fills the SDK's properties cache.
        found = await asyncio.gather(*(c.read() for c in containers.values()), return_exceptions=True)
        for name, properties in zip(CONTAINERS, found, strict=True):
            where = f"Cosmos container {self._database_name}/{name}"
            if isinstance(properties, CosmosResourceNotFoundError):
                raise RuntimeError(
                    f"{where} does not exist: deploy it with Bicep (or pass create_if_missing=True to an emulator)"
                )
            if isinstance(properties, BaseException):
                raise properties
            paths = properties.get("partitionKey", {}).get("paths")
            if paths != [PARTITION_KEY_PATH]:
                raise RuntimeError(f"{where} is partitioned by {paths}, not [{PARTITION_KEY_PATH!r}]: recreate it")
        self._containers = containers


def _checked_id(doc_id: str) -> str:
    # Cosmos accepts these characters on create but cannot address the item afterwards: refuse them up front.
    if not doc_id or len(doc_id) > 255 or _FORBIDDEN_IN_ID.intersection(doc_id):
        raise ValueError(f"Cosmos document ids are 1-255 characters without / \\ ? #: {doc_id!r}")
    return doc_id


def _to_item(doc: dict[str, Any], doc_id: str, session_id: str) -> dict[str, Any]:
    """The caller's fields at top level, plus `id` and `session_id`.

    When the caller's document uses a reserved name itself (its own `id`, a `session_id` other than the partition's,
    no `session_id` at all, `ttl`, a system name), those values are kept under _OWN so that reading gives back exactly
    what was written. Documents whose `session_id` is their partition's, the usual case, carry no _OWN."""
    own = {k: doc[k] for k in _RESERVED if k in doc}
    item = {k: v for k, v in doc.items() if k not in _RESERVED}
    if own != {"session_id": session_id}:
        item[_OWN] = own
    item["id"] = doc_id
    item["session_id"] = session_id
    return item


def _from_item(item: dict[str, Any]) -> dict[str, Any]:
    """The caller's document back from an item (the inverse of _to_item)."""
    own = item.get(_OWN, {"session_id": item["session_id"]})
    return {**{k: v for k, v in item.items() if k not in _RESERVED}, **own}
