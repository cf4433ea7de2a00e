"""A relay connection's hold on its session (media_relay/ownership.py) over a real Store shared by two "replicas":
taken on the offer, renewed, checked before each write, let go on close; a connection that was taken over learns it
within a renewal and writes nothing after its handover window."""

from __future__ import annotations

import asyncio
import time

import pytest

from media_relay.ownership import Ownership
from rehearse.adapters.local.sqlite_store import SqliteStore
from rehearse.app.sessions import Sessions, parse_create_request
from rehearse.domain.lease import HANDOVER_S, RENEW_S, LeaseLost
from rehearse.domain.model import Segment
from rehearse.domain.question_bank import default_bank


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


async def test_racing_claims_of_two_connections_never_share_a_seq(stores) -> None:
    old = Ownership(stores[0], "s1", "replica-a")
    await old.take()
    new = Ownership(stores[1], "s1", "replica-b")
    await new.take()  # `old` may still persist its last finals for a while; `new` waits, then numbers on
    seqs = await asyncio.gather(*(old.claim_seq(0) for _ in range(5)), *(new.claim_seq(0) for _ in range(5)))
    assert sorted(seqs) == list(range(1, 11)), seqs


async def test_a_connection_taken_over_claims_nothing_after_its_window(stores) -> None:
    old = Ownership(stores[0], "s1", "replica-a")
    await old.take()
    assert await old.claim_seq(0) == 1
    new = Ownership(stores[1], "s1", "replica-b")
    await new.take()
    await new.before_write()
    with pytest.raises(LeaseLost):
        await old.claim_seq(1)
    assert await new.claim_seq(1) == 2


def phrase(session_id: str, phrase_id: int, question_id: str) -> Segment:
    return Segment(session_id=session_id, seq=0, segment_id=f"{session_id}-{phrase_id}", question_id=question_id,
                   phrase_id=phrase_id, text=f"phrase {phrase_id}", start=0.0, end=1.0, confidence=0.9)  # fmt: skip


async def test_a_final_the_old_connection_claimed_in_time_but_wrote_late_is_numbered_once_and_read_by_the_new(stores) -> None:
    """The CI failure: the old connection checked its window just before it closed and its write landed well after;
    the new connection read the transcript in between and numbered its own first final with the same seq."""
    sessions = [Sessions(store, default_bank()) for store in stores]
    session = await sessions[0].create(parse_create_request({"questions": [{"text": "Tell me about a project."}]}))
    sid, qid = session.session_id, session.questions[0].id
    old = Ownership(stores[0], sid, "replica-a")
    await old.take()
    old_writer = await sessions[0].transcript_writer(sid, old.claim_seq, old.in_flight)
    await old_writer.record(phrase(sid, 1, qid))
    new = Ownership(stores[1], sid, "replica-b")
    await new.take()
    lease = (await stores[0].get_lease(sid))[0]
    await asyncio.sleep(max(0.0, lease["handover_until"] - time.time() - 0.2))
    seq = await old.claim_seq(old_writer.last_seq)  # just in time

    async def late_write() -> None:
        await asyncio.sleep(1.5)
        late = phrase(sid, 2, qid).model_copy(update={"seq": seq})
        await stores[0].upsert("segments", sid, late.segment_id, late.model_dump(mode="json"))  # lands after the window

    wrote = asyncio.ensure_future(late_write())
    await new.before_write()  # the window and its slack are over, the claimed final not written yet
    assert not wrote.done()
    new_writer = await sessions[1].transcript_writer(sid, new.claim_seq, new.in_flight)
    assert wrote.done(), "the new connection read the transcript before the claimed final landed"
    assert new_writer.last_seq == 2
    assert (await new_writer.record(phrase(sid, 1001, qid))).seq == 3
    assert [s.seq for s in await sessions[1].transcript(sid)] == [1, 2, 3]
