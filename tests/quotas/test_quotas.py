"""Each limit, counted in the embedded Store (SQLite): sessions per candidate and per address each hour, live interviews
per candidate, the interview's audio across connections, LLM calls per session, and what deleting a session removes."""

from __future__ import annotations

import time

import pytest

from rehearse.adapters.local.sqlite_store import SqliteStore
from rehearse.app.quotas import QUOTAS, QuotaLimits, Quotas
from rehearse.domain.quotas import QuotaExceeded
from rehearse.security.pseudonyms import Pseudonyms

LIMITS = QuotaLimits(
    sessions_per_candidate_per_hour=3, sessions_per_address_per_hour=5, live_interviews_per_candidate=2,
    answer_audio_s=60, interview_audio_s=600, llm_calls_per_session=4,
)  # fmt: skip


class Clock:
    """Ten hours ahead, on the hour: the Store expires counters by the wall clock, so windows must be in its future."""

    def __init__(self) -> None:
        self.now = float((int(time.time()) // 3600 + 10) * 3600)

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(tmp_path):
    return SqliteStore(tmp_path / "store.sqlite3")


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def quotas(store, clock):
    return Quotas(store, LIMITS, Pseudonyms("k" * 32), clock)


async def test_a_candidate_past_their_hourly_sessions_gets_retry_after_the_hour(quotas, clock):
    for _ in range(3):
        await quotas.admit_session("cand-1", None)
    clock.now += 1200
    with pytest.raises(QuotaExceeded) as refused:
        await quotas.admit_session("cand-1", None)
    assert refused.value.retry_after_s == 2400 and "3 interviews you started" in refused.value.message
    await quotas.admit_session("cand-2", None)  # another candidate is untouched
    clock.now += 2400  # the next hour
    await quotas.admit_session("cand-1", None)


async def test_one_address_is_limited_whatever_candidates_it_claims(quotas):
    for n in range(5):
        await quotas.admit_session(f"fresh-{n}", "203.0.113.7")
    with pytest.raises(QuotaExceeded, match="network address"):
        await quotas.admit_session("fresh-new", "203.0.113.7")
    await quotas.admit_session("fresh-new", "198.51.100.1")


async def test_addresses_and_candidates_are_stored_only_as_keyed_hashes(quotas, store):
    await quotas.admit_session("cand-secret", "203.0.113.7")
    rows = store._db.execute("SELECT session_id, doc_id, body FROM documents WHERE container=?", (QUOTAS,)).fetchall()
    assert rows and not any("203.0.113.7" in " ".join(r) or "cand-secret" in " ".join(r) for r in rows)


async def test_hourly_counters_expire_when_their_window_ends(quotas, store, clock):
    await quotas.admit_session("cand-1", "203.0.113.7")
    [row] = store._db.execute("SELECT body FROM documents WHERE container=? AND session_id LIKE 'c:%'", (QUOTAS,)).fetchall()
    assert f'"expires_at":{int(clock.now) + 3600}' in row[0]  # on the hour: the window ends an hour later


async def test_live_interviews_per_candidate_are_held_and_released(quotas):
    await quotas.hold_live("cand-1", "s1")
    await quotas.hold_live("cand-1", "s2")
    await quotas.hold_live("cand-1", "s2")  # a reconnect keeps its hold
    with pytest.raises(QuotaExceeded) as refused:
        await quotas.hold_live("cand-1", "s3")
    assert 1 <= refused.value.retry_after_s <= 60
    await quotas.release_live("cand-1", "s1")
    await quotas.hold_live("cand-1", "s3")


async def test_a_hold_left_by_a_dead_relay_expires_after_the_longest_interview(quotas, clock):
    await quotas.hold_live("cand-1", "s1")
    await quotas.hold_live("cand-1", "s2")
    clock.now += LIMITS.interview_audio_s + 301
    await quotas.hold_live("cand-1", "s3")


async def test_the_interviews_audio_adds_up_across_connections(quotas):
    assert await quotas.audio_used_s("s1") == 0
    await quotas.add_audio("s1", 5.0)
    await quotas.add_audio("s1", 2.5)
    assert await quotas.audio_used_s("s1") == 7.5


async def test_llm_calls_past_the_sessions_limit_are_not_to_be_made(quotas):
    assert [await quotas.take_llm_call("s1") for _ in range(6)] == [True] * 4 + [False] * 2
    assert await quotas.take_llm_call("s2")


async def test_forgetting_a_session_removes_its_counters_and_its_hold(quotas, store):
    await quotas.hold_live("cand-1", "s1")
    await quotas.add_audio("s1", 3.0)
    await quotas.take_llm_call("s1")
    await quotas.forget("cand-1", "s1")
    assert await quotas.audio_used_s("s1") == 0
    rows = store._db.execute("SELECT doc_id FROM documents WHERE container=?", (QUOTAS,)).fetchall()
    assert not any("s1" in r[0] for r in rows)
