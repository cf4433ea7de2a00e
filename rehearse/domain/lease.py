"""Which relay connection may write a live session: the rules of the session's lease. No clock, no I/O here.

A connection takes the lease when its offer is answered, renews it while it lives and checks it before every write
(media_relay/ownership.py keeps it in the Store with conditional writes). The newest offer always takes over: a page
that sends a new offer has moved, whichever replica it reached. The holder it took over from, if still alive, keeps a
short window to persist the finals it has already heard, and the new holder writes only once that window is over
(or was given up), so the session's transcript has one writer at a time. Each final's `seq` is claimed on the lease
itself (a conditional write that only a connection allowed to write can make), so two connections can never give two
phrases the same number, however late a write lands; a new holder reads its transcript once the finals claimed before
it have landed (`in_flight`), so the replay it sends a reconnecting page has them all."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from rehearse.domain.errors import RehearseError

TTL_S = 6.0  # a holder that stops renewing (its replica died) holds nothing this long after its last renewal
RENEW_S = 1.0  # how often a holder renews, and so how soon it learns that another connection took over
HANDOVER_S = 3.0  # how long a live previous holder may still persist the finals it heard before the take-over
WRITE_SLACK_S = 0.5  # the new holder waits this much past that window: a write checked just before it has landed
CLAIM_LANDS_S = 3.0  # a claimed seq's segment is written right after the claim: one not stored this long after never will be


class LeaseLost(RehearseError):
    """Another connection holds the session now: this one writes and announces nothing more."""

    code = "lease_lost"


class Lease(BaseModel):
    """The session's lease as stored (one document per session, written only on the etag it was read with)."""

    v: Literal[1] = 1
    holder: str  # one relay connection: "<replica>/<connection>"
    expires_at: float  # Unix seconds
    released: bool = False  # the holder closed and let go: the next taker need not wait
    previous: str | None = None  # the holder this one took over from while it was alive
    handover_until: float = 0.0  # until then `previous` may persist its last finals, and this holder waits
    previous_released: bool = False  # `previous` has persisted them and let go early
    last_seq: int | None = None  # the highest `seq` claimed for the session's transcript (None: none under a lease yet)
    claimed_at: float = 0.0  # when it was claimed (Unix seconds); its segment is written right after


def active(lease: Lease, now: float) -> bool:
    return not lease.released and now < lease.expires_at


def take_over(current: Lease | None, holder: str, now: float) -> Lease:
    """The lease a new connection writes over `current`. A free lease (none, released, expired) is taken at once;
    a live holder gets a handover window, bounded by its own expiry (a dead holder's window ends when it would have)."""
    claims = {"last_seq": current.last_seq, "claimed_at": current.claimed_at} if current is not None else {}
    if current is None or not active(current, now) or current.holder == holder:
        return Lease(holder=holder, expires_at=now + TTL_S, **claims)
    return Lease(holder=holder, expires_at=now + TTL_S, previous=current.holder, handover_until=min(now + HANDOVER_S, current.expires_at), **claims)


def renewed(lease: Lease, now: float) -> Lease:
    return lease.model_copy(update={"expires_at": now + TTL_S})


def released_by(lease: Lease, holder: str) -> Lease | None:
    """The lease once `holder` lets go, or None when it has nothing to let go of."""
    if lease.holder == holder and not lease.released:
        return lease.model_copy(update={"released": True})
    if lease.previous == holder and not lease.previous_released:
        return lease.model_copy(update={"previous_released": True})
    return None


def wait_s(lease: Lease, holder: str, now: float) -> float:
    """How long the holder must still wait before its first write (0 once the previous holder is done)."""
    if lease.holder != holder or lease.previous is None or lease.previous_released:
        return 0.0
    return max(0.0, lease.handover_until + WRITE_SLACK_S - now)


def holds(lease: Lease | None, holder: str, now: float) -> bool:
    """Whether `holder` is still the session's writer, or on its way to be (it may have to wait: `wait_s`)."""
    return lease is not None and lease.holder == holder and active(lease, now)


def may_write(lease: Lease | None, holder: str, now: float) -> bool:
    """Whether `holder` may write (a segment, an answer, a follow-up) right now."""
    if lease is None:
        return False
    if lease.holder == holder:
        return active(lease, now) and wait_s(lease, holder, now) == 0.0
    # the previous holder, persisting the finals it heard before the take-over
    return lease.previous == holder and not lease.previous_released and now < lease.handover_until


def claimed(lease: Lease | None, holder: str, now: float, known_seq: int) -> Lease | None:
    """The lease once `holder` claims the next `seq` for a final (`known_seq`: the highest it has seen stored), or None
    when it may not write now."""
    if not may_write(lease, holder, now):
        return None
    return lease.model_copy(update={"last_seq": max(lease.last_seq or 0, known_seq) + 1, "claimed_at": now})


def in_flight(lease: Lease | None, stored_seq: int, now: float) -> bool:
    """Whether a `seq` was claimed whose segment is not stored yet (`stored_seq`: the highest stored) but may still be:
    a connection writes its finals one at a time, claim then write, so only the last claim can be in flight."""
    if lease is None or lease.last_seq is None:
        return False
    return lease.last_seq > stored_seq and now - lease.claimed_at < CLAIM_LANDS_S
