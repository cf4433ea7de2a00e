"""Store on a SQLite file: JSON documents keyed by (container, session id, document id) with etags."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rehearse.domain.errors import ConcurrencyConflict

# The session's lease lives beside the session's document (same container and partition): deleting the session deletes it.
LEASES, LEASE_ID = "sessions", "lease"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    container TEXT NOT NULL,
    session_id TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    etag TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (container, session_id, doc_id)
)
"""


class SqliteStore:
    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # timeout: another process (a second server on the same file) holding the write lock is waited for
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)
        self._lock = threading.Lock()

    async def get(self, container: str, session_id: str, doc_id: str) -> tuple[dict[str, Any], str] | None:
        return await asyncio.to_thread(self._get, container, session_id, doc_id)

    def _get(self, container: str, session_id: str, doc_id: str) -> tuple[dict[str, Any], str] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT body, etag FROM documents WHERE container=? AND session_id=? AND doc_id=?",
                (container, session_id, doc_id),
            ).fetchone()
        return (json.loads(row[0]), row[1]) if row else None

    async def upsert(
        self, container: str, session_id: str, doc_id: str, doc: dict[str, Any], if_match: str | None = None
    ) -> str:
        return await asyncio.to_thread(self._upsert, container, session_id, doc_id, doc, if_match)

    def _upsert(self, container: str, session_id: str, doc_id: str, doc: dict[str, Any], if_match: str | None) -> str:
        etag = uuid.uuid4().hex
        body = json.dumps(doc, separators=(",", ":"))
        with self._transaction():
            if if_match is not None:
                row = self._db.execute(
                    "SELECT etag FROM documents WHERE container=? AND session_id=? AND doc_id=?",
                    (container, session_id, doc_id),
                ).fetchone()
                if row is None or row[0] != if_match:
                    raise ConcurrencyConflict(f"{container}/{doc_id} changed since it was read")
            self._write(container, session_id, doc_id, etag, body)
        return etag

    async def list(self, container: str, session_id: str) -> list[dict[str, Any]]:
        return await asyncio.to_thread(self._list, container, session_id)

    def _list(self, container: str, session_id: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT body FROM documents WHERE container=? AND session_id=? ORDER BY doc_id",
                (container, session_id),
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    async def delete(self, container: str, session_id: str, doc_id: str) -> None:
        def _delete() -> None:
            with self._lock:
                self._db.execute(
                    "DELETE FROM documents WHERE container=? AND session_id=? AND doc_id=?", (container, session_id, doc_id)
                )

        await asyncio.to_thread(_delete)

    async def delete_partition(self, container: str, session_id: str) -> int:
        def _delete() -> int:
            with self._lock:
                return self._db.execute(
                    "DELETE FROM documents WHERE container=? AND session_id=?", (container, session_id)
                ).rowcount

        return await asyncio.to_thread(_delete)

    async def increment(self, container: str, session_id: str, doc_id: str, amount: float, expires_at: float) -> float:
        return await asyncio.to_thread(self._increment, container, session_id, doc_id, amount, expires_at)

    def _increment(self, container: str, session_id: str, doc_id: str, amount: float, expires_at: float) -> float:
        now = time.time()
        with self._transaction():
            row = self._db.execute(
                "SELECT body FROM documents WHERE container=? AND session_id=? AND doc_id=?", (container, session_id, doc_id)
            ).fetchone()
            counter = json.loads(row[0]) if row else None
            if counter is None or counter.get("expires_at", 0) <= now:
                counter = {"count": 0, "expires_at": expires_at}
            counter["count"] += amount
            self._write(container, session_id, doc_id, uuid.uuid4().hex, json.dumps(counter, separators=(",", ":")))
            # expired counters of other windows go as new ones come: the file keeps no counter past its window
            self._db.execute(
                "DELETE FROM documents WHERE container=? AND session_id=? AND doc_id<>? "
                "AND json_extract(body, '$.expires_at') <= ?",
                (container, session_id, doc_id, now),
            )
        return counter["count"]

    async def get_lease(self, session_id: str) -> tuple[dict[str, Any], str] | None:
        return await self.get(LEASES, session_id, LEASE_ID)

    async def put_lease(self, session_id: str, lease: dict[str, Any], etag: str | None) -> str:
        return await asyncio.to_thread(self._put_lease, session_id, lease, etag)

    def _put_lease(self, session_id: str, lease: dict[str, Any], etag: str | None) -> str:
        new_etag = uuid.uuid4().hex
        with self._transaction():
            row = self._db.execute(
                "SELECT etag FROM documents WHERE container=? AND session_id=? AND doc_id=?", (LEASES, session_id, LEASE_ID)
            ).fetchone()
            if (row[0] if row else None) != etag:
                raise ConcurrencyConflict(f"the lease of session {session_id} changed since it was read")
            self._write(LEASES, session_id, LEASE_ID, new_etag, json.dumps(lease, separators=(",", ":")))
        return new_etag

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write transaction for every process on the file: BEGIN IMMEDIATE takes its write lock (another process
        waits, up to the busy timeout), so a read and the write it decides are one step."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _write(self, container: str, session_id: str, doc_id: str, etag: str, body: str) -> None:
        self._db.execute(
            "INSERT INTO documents (container, session_id, doc_id, etag, body) VALUES (?,?,?,?,?) "
            "ON CONFLICT (container, session_id, doc_id) DO UPDATE SET etag=excluded.etag, body=excluded.body",
            (container, session_id, doc_id, etag, body),
        )

    async def close(self) -> None:
        with self._lock:
            self._db.close()
