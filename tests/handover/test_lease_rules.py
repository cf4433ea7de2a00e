"""The session lease's rules (rehearse/domain/lease.py): who holds it, when it has expired, how a take-over goes."""

from __future__ import annotations

from rehearse.domain.lease import (
    CLAIM_LANDS_S,
    HANDOVER_S,
    TTL_S,
    WRITE_SLACK_S,
    Lease,
    claimed,
    holds,
    in_flight,
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


def test_each_claim_numbers_on_from_the_last_claimed_or_stored_seq() -> None:
    lease = take_over(None, "a/1", NOW)
    first = claimed(lease, "a/1", NOW, known_seq=4)  # a session whose first finals were numbered before any claim
    assert first is not None and first.last_seq == 5 and first.claimed_at == NOW
    second = claimed(first, "a/1", NOW + 1, known_seq=4)
    assert second is not None and second.last_seq == 6


def test_the_claimed_seq_goes_with_the_session_to_the_next_holder() -> None:
    lease = claimed(take_over(None, "a/1", NOW), "a/1", NOW, known_seq=0)
    moved = take_over(lease, "b/1", NOW + 1)
    assert moved.last_seq == 1
    assert claimed(moved, "a/1", NOW + 2, known_seq=0).last_seq == 2, "the old holder, within its window"
    assert claimed(moved, "b/1", NOW + 2, known_seq=0) is None, "the new holder waits out the window"
    after = moved.handover_until + WRITE_SLACK_S
    assert claimed(moved, "a/1", after, known_seq=0) is None, "the old holder claims nothing after its window"
    assert claimed(moved, "b/1", after, known_seq=1).last_seq == 2
    expired = take_over(lease, "c/1", NOW + TTL_S + 1)
    assert expired.last_seq == 1, "a dead holder's claims are kept too"


def test_a_claimed_final_not_stored_yet_is_in_flight_until_it_lands_or_its_writer_is_surely_gone() -> None:
    lease = claimed(take_over(None, "a/1", NOW), "a/1", NOW, known_seq=2)
    assert in_flight(lease, stored_seq=2, now=NOW + 0.5)
    assert not in_flight(lease, stored_seq=3, now=NOW + 0.5)
    assert not in_flight(lease, stored_seq=2, now=NOW + CLAIM_LANDS_S)
    assert not in_flight(take_over(None, "a/1", NOW), stored_seq=0, now=NOW)
    assert not in_flight(None, stored_seq=0, now=NOW)
