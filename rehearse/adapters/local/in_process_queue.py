"""Queue for the embedded default: asyncio queues in the process, delivering to the same function handlers.

At-least-once like Storage Queues: a handler that raises gets the message again after a backoff, and after
`max_dequeue` attempts the message goes to `<queue>-poison` with its reason (kept, logged, never dropped).
With a store, every message is written there when sent and deleted once handled or poisoned, and a queue's
worker starts with what a previous process left: a crash (SIGKILL) loses no feedback, and a message handled
just before the crash is delivered again, which the idempotent handlers absorb."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from rehearse.domain.events import poison_queue
from rehearse.ports import Store

log = logging.getLogger("rehearse.queue")

Handler = Callable[[dict[str, Any]], Awaitable[None]]
POISON = "poison"
PENDING = "queue"  # container of messages sent and not yet handled, all in one partition
_PENDING_PARTITION = "pending"


class InProcessQueue:
    def __init__(self, max_dequeue: int = 5, backoff_s: float = 0.5, store: Store | None = None) -> None:
        self._max_dequeue = max_dequeue
        self._backoff_s = backoff_s
        self._store = store
        self._queues: dict[str, asyncio.Queue[tuple[dict[str, Any], int, str]]] = defaultdict(asyncio.Queue)
        self._handlers: dict[str, Handler] = {}
        self._workers: dict[str, asyncio.Task] = {}
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.poisoned: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._unfinished: set[str] = set()  # ids of the messages this process holds

    def subscribe(self, queue: str, handler: Handler) -> None:
        self._handlers[queue] = handler
        if queue not in self._workers:
            self._workers[queue] = asyncio.get_running_loop().create_task(self._work(queue), name=f"queue:{queue}")

    async def send(self, queue: str, message: dict[str, Any]) -> None:
        # a real queue stores bytes: the handler must not share objects with the sender
        copy = json.loads(json.dumps(message))
        message_id = f"{queue}.{uuid.uuid4().hex}"
        self._unfinished.add(message_id)
        if self._store is not None:
            await self._store.upsert(PENDING, _PENDING_PARTITION, message_id, {"id": message_id, "queue": queue, "message": copy})
        self._in_flight += 1
        self._idle.clear()
        await self._queues[queue].put((copy, 1, message_id))

    async def drain(self, timeout: float = 60.0) -> None:
        """Wait until every message sent so far (and whatever its handlers sent) has been handled or poisoned."""
        await asyncio.wait_for(self._idle.wait(), timeout)

    async def close(self) -> None:
        for task in self._workers.values():
            task.cancel()
        await asyncio.gather(*self._workers.values(), return_exceptions=True)

    async def _recover(self, queue: str) -> None:
        """Deliver again what an earlier process sent on this queue and never finished."""
        if self._store is None:
            return
        for doc in await self._store.list(PENDING, _PENDING_PARTITION):
            message_id = doc.get("id", "")
            if doc.get("queue") == queue and message_id and message_id not in self._unfinished:  # not one of ours
                self._unfinished.add(message_id)
                log.info("%s: delivering a message left by an earlier process", queue)
                self._in_flight += 1
                self._idle.clear()
                await self._queues[queue].put((doc["message"], 1, message_id))

    async def _work(self, queue: str) -> None:
        pending = self._queues[queue]
        try:
            await self._recover(queue)
        except Exception:
            log.exception("%s: could not read the messages left by an earlier process", queue)
        while True:
            message, attempt, message_id = await pending.get()
            try:
                await self._handlers[queue](message)
            except Exception as exc:
                if attempt < self._max_dequeue:
                    log.warning("%s: attempt %d failed (%s); retrying", queue, attempt, exc)
                    retry = (message, attempt + 1, message_id)
                    asyncio.get_running_loop().call_later(self._backoff_s * 2 ** (attempt - 1), pending.put_nowait, retry)
                    continue
                await self._poison(queue, message, exc)
            await self._forget(message_id)
            self._done()

    async def _forget(self, message_id: str) -> None:
        self._unfinished.discard(message_id)
        if self._store is not None:
            try:
                await self._store.delete(PENDING, _PENDING_PARTITION, message_id)
            except Exception:  # delivered again after a restart: the handlers are idempotent
                log.exception("could not delete handled message %s", message_id)

    def _done(self) -> None:
        self._in_flight -= 1
        if self._in_flight == 0:
            self._idle.set()

    async def _poison(self, queue: str, message: dict[str, Any], exc: Exception) -> None:
        reason = f"{type(exc).__name__}: {exc}"
        entry = {"queue": queue, "message": message, "reason": reason, "dequeue_count": self._max_dequeue, "at": time.time()}
        name = poison_queue(queue)
        self.poisoned[name].append(entry)
        log.error("%s: message moved to %s after %d attempts: %s", queue, name, self._max_dequeue, reason)
        if self._store is not None:
            session_id = str(message.get("session_id", "unknown"))
            doc_id = f"{name}.{len(self.poisoned[name])}.{int(entry['at'] * 1000)}"
            try:
                await self._store.upsert(POISON, session_id, doc_id, entry)
            except Exception:
                log.exception("could not persist the poison message; it is kept in memory and in this log")
