"""The session lease's rules (rehearse/domain/lease.py): who holds it, when it has expired, how a take-over goes."""

from __future__ import annotations

from rehearse.domain.lease import (
    HANDOVER_S,
    TTL_S,
    WRITE_SLACK_S,
    Lease,
    holds,
    may_write,
    released_by,
    renewed,
    take_over,
    wait_s,
)

NOW = 1_000_000.0


def test_a_free_session_is_taken_at_once() -> None:
    lease = take_over(None, "a/1", NOW)
    assert lease.holder == "a/1" and lease.expires_at == NOW + TTL_S and lease.previous is None
    assert may_write(lease, "a/1", NOW) and wait_s(lease, "a/1", NOW) == 0


def test_an_expired_lease_is_taken_without_a_handover() -> None:
    old = take_over(None, "a/1", NOW)
    lease = take_over(old, "b/1", NOW + TTL_S)
    assert lease.previous is None and may_write(lease, "b/1", NOW + TTL_S)
    assert not may_write(lease, "a/1", NOW + TTL_S)


def test_a_released_lease_is_taken_without_a_handover() -> None:
    old = released_by(take_over(None, "a/1", NOW), "a/1")
    assert old is not None and old.released
    lease = take_over(old, "b/1", NOW + 1)
    assert lease.previous is None and may_write(lease, "b/1", NOW + 1)


def test_a_new_offer_takes_over_a_live_holder_which_may_flush_for_a_short_while() -> None:
    old = take_over(None, "a/1", NOW)
    lease = take_over(old, "b/1", NOW + 1)
    assert lease.holder == "b/1" and lease.previous == "a/1"
    assert lease.handover_until == NOW + 1 + HANDOVER_S
    assert may_write(lease, "a/1", NOW + 2), "the old holder persists the finals it heard"
    assert not may_write(lease, "b/1", NOW + 2), "the new holder waits: one writer at a time"
    assert holds(lease, "b/1", NOW + 2) and not holds(lease, "a/1", NOW + 2)


def test_after_the_window_only_the_new_holder_writes() -> None:
    lease = take_over(take_over(None, "a/1", NOW), "b/1", NOW)
    end = lease.handover_until
    assert not may_write(lease, "a/1", end)
    assert not may_write(lease, "b/1", end + WRITE_SLACK_S / 2), "a write the old holder checked just in time may still land"
    assert may_write(lease, "b/1", end + WRITE_SLACK_S)
    assert wait_s(lease, "b/1", end) == WRITE_SLACK_S


def test_the_old_holder_letting_go_ends_the_wait() -> None:
    lease = take_over(take_over(None, "a/1", NOW), "b/1", NOW)
    let_go = released_by(lease, "a/1")
    assert let_go is not None and let_go.previous_released and let_go.holder == "b/1"
    assert not may_write(let_go, "a/1", NOW + 0.1)
    assert may_write(let_go, "b/1", NOW + 0.1) and wait_s(let_go, "b/1", NOW + 0.1) == 0


def test_a_dead_holders_window_ends_when_its_lease_would_have() -> None:
    old = take_over(None, "a/1", NOW)  # then a/1's replica dies and never renews
    lease = take_over(old, "b/1", NOW + TTL_S - 1)
    assert lease.handover_until == NOW + TTL_S
    assert may_write(lease, "b/1", NOW + TTL_S + WRITE_SLACK_S)


def test_a_holder_that_stopped_renewing_may_not_write() -> None:
    lease = take_over(None, "a/1", NOW)
    assert not may_write(lease, "a/1", NOW + TTL_S) and not holds(lease, "a/1", NOW + TTL_S)
    assert may_write(renewed(lease, NOW + TTL_S - 0.5), "a/1", NOW + TTL_S)


def test_a_third_connection_shuts_out_the_first() -> None:
    lease = take_over(take_over(take_over(None, "a/1", NOW), "b/1", NOW), "c/1", NOW + 0.5)
    assert lease.previous == "b/1"
    assert not may_write(lease, "a/1", NOW + 1)
    assert released_by(lease, "a/1") is None, "a/1 has nothing left to let go of"


def test_the_lease_round_trips_as_a_versioned_document() -> None:
    lease = take_over(take_over(None, "a/1", NOW), "b/1", NOW)
    assert Lease.model_validate(lease.model_dump(mode="json")) == lease and lease.model_dump()["v"] == 1
