"""One relay connection's hold on its session across replicas: the Store lease (rules: rehearse/domain/lease.py) taken
when the offer is answered, renewed while the connection lives, checked before every write, let go when it closes;
each final's `seq` is claimed on it (`claim_seq`)."""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Callable

from rehearse.domain import lease as rules
from rehearse.domain.errors import ConcurrencyConflict, SessionBusy
from rehearse.domain.lease import Lease, LeaseLost
from rehearse.ports import Store

log = logging.getLogger("rehearse.relay")


class Ownership:
    def __init__(self, store: Store, session_id: str, replica: str, on_lost: Callable[[], None] | None = None) -> None:
        self._store = store
        self.session_id = session_id
        self.holder = f"{replica}/{uuid.uuid4().hex[:8]}"
        self._on_lost = on_lost
        self.lost = False  # another connection holds the session: this one closes and stops writing
        self._released = False
        self._known: tuple[Lease, str] | None = None  # the lease and etag as this connection last read or wrote it

    async def take(self) -> None:
        """Take the lease from whoever holds it (the newest offer wins); SessionBusy if others keep racing for it."""
        for attempt in range(20):
            lease, etag = await self._read()
            taken = rules.take_over(lease, self.holder, time.time())
            try:
                await self._write(taken, etag)
            except ConcurrencyConflict:
                await asyncio.sleep(random.uniform(0, 0.01 * (attempt + 1)))
                continue
            if taken.previous is not None:
                log.info("session %s: %s takes over from %s, which may persist its last finals for %.1f s",
                         self.session_id, self.holder, taken.previous, taken.handover_until - time.time())  # fmt: skip
            return
        raise SessionBusy("another relay is taking this session over at the same moment; retry in a moment")

    async def before_write(self) -> None:
        """Return once this connection may write: at once while it holds the lease; after the previous holder's last
        finals when it has just taken over; raise LeaseLost (and let go) when another connection holds it now."""
        while True:
            lease, _ = await self._read()
            now = time.time()
            if rules.may_write(lease, self.holder, now):
                return
            if not rules.holds(lease, self.holder, now):
                self._lose(lease)
                raise LeaseLost(f"session {self.session_id}: {lease.holder if lease else 'nobody'} holds it now, not {self.holder}")
            await asyncio.sleep(min(rules.wait_s(lease, self.holder, now), 0.25) or 0.05)

    async def claim_seq(self, known_seq: int) -> int:
        """The next `seq` of the session's transcript, claimed for one final of this connection (`known_seq`: the highest
        it has seen stored). Raises LeaseLost when another connection holds the session now. One Store write while
        nobody else changed the lease since this connection last read or wrote it (its own renewals included)."""
        known = self._known
        while True:
            lease, etag = known if known is not None else await self._read()
            known = None
            taken = rules.claimed(lease, self.holder, time.time(), known_seq)
            if taken is None:
                await self.before_write()  # waits out a take-over's handover, or raises LeaseLost
                continue
            try:
                await self._write(taken, etag)
            except ConcurrencyConflict:
                continue  # renewed or taken over meanwhile: read it again
            return taken.last_seq

    async def in_flight(self, stored_seq: int) -> bool:
        """Whether a final claimed by a connection before this one is still on its way to the Store."""
        lease, _ = await self._read()
        return rules.in_flight(lease, stored_seq, time.time())

    async def keep(self) -> None:
        """Renew every RENEW_S until the lease is lost or let go; a lost lease calls on_lost (the connection closes)."""
        while not self.lost and not self._released:
            await asyncio.sleep(rules.RENEW_S)
            if self._released:
                return
            try:
                lease, etag = await self._read()
                if not rules.holds(lease, self.holder, time.time()):
                    self._lose(lease)
                    return
                await self._write(rules.renewed(lease, time.time()), etag)
            except ConcurrencyConflict:
                continue  # changed under us: the next round reads who holds it
            except Exception:  # the Store is out of reach: writes fail too; the lease expires if this goes on
                log.warning("session %s: could not renew its lease", self.session_id, exc_info=True)

    async def release(self) -> None:
        """Let go: the next connection takes over without waiting (and a new holder stops waiting for this one)."""
        self._released = True
        for _ in range(5):
            try:
                lease, etag = await self._read()
                let_go = rules.released_by(lease, self.holder) if lease is not None else None
                if let_go is None:
                    return
                await self._write(let_go, etag)
                return
            except ConcurrencyConflict:
                continue
            except Exception:  # the lease expires by itself
                log.warning("session %s: could not let go of its lease", self.session_id, exc_info=True)
                return

    def _lose(self, lease: Lease | None) -> None:
        if self.lost:
            return
        self.lost = True
        log.info("session %s: %s lost its lease to %s; closing its media and writing nothing more",
                 self.session_id, self.holder, lease.holder if lease else "nobody (the session was deleted)")  # fmt: skip
        if self._on_lost is not None:
            self._on_lost()

    async def _read(self) -> tuple[Lease | None, str | None]:
        found = await self._store.get_lease(self.session_id)
        if not found:
            self._known = None
            return None, None
        self._known = (Lease.model_validate(found[0]), found[1])
        return self._known

    async def _write(self, lease: Lease, etag: str | None) -> None:
        """Write the lease only if the stored one still has `etag` (ConcurrencyConflict otherwise)."""
        self._known = (lease, await self._store.put_lease(self.session_id, lease.model_dump(mode="json"), etag))
