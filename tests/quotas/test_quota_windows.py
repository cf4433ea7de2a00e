"""The pure quota arithmetic: fixed windows, the decision and its Retry-After, and the audio allowance."""

from __future__ import annotations

import pytest

from rehearse.domain.quotas import QuotaExceeded, Window, decide
from rehearse.interview.audio_allowance import AudioAllowance


def test_a_window_starts_on_a_multiple_of_its_length():
    window = Window.at(7_205.5, 3600)
    assert (window.start, window.end) == (7200, 10_800)
    assert window.remaining_s(7_205.5) == 3595


def test_counts_up_to_the_limit_are_allowed():
    window = Window.at(100.0, 3600)
    assert decide(5, 5, window, 100.0).allowed
    assert decide(1, 5, window, 100.0).retry_after_s == 0


def test_a_count_over_the_limit_is_refused_until_the_window_ends():
    window = Window.at(3_000.2, 3600)
    decision = decide(6, 5, window, 3_000.2)
    assert not decision.allowed and decision.retry_after_s == 600  # rounded up to a whole second


def test_retry_after_is_at_least_one_second():
    window = Window.at(3_599.9, 3600)
    assert decide(2, 1, window, 3_599.9).retry_after_s == 1


def test_quota_exceeded_carries_its_retry_after():
    error = QuotaExceeded("too many", retry_after_s=42)
    assert error.code == "quota_exceeded" and error.retry_after_s == 42 and error.message == "too many"


def test_audio_within_both_limits_flows():
    allowance = AudioAllowance(answer_limit_s=10, interview_limit_s=100, used_s=0)
    assert allowance.take(5.0) is None
    assert allowance.answer_s == 5.0 and allowance.interview_s == 5.0


def test_an_answer_past_its_limit_is_refused_once_and_the_next_answer_starts_afresh():
    allowance = AudioAllowance(answer_limit_s=1.0, interview_limit_s=100, used_s=0)
    refusals = [allowance.take(0.02) for _ in range(60)]
    assert [r for r in refusals if r is not None] == ["answer"]  # said once
    assert allowance.refusing
    allowance.new_answer()
    assert not allowance.refusing and allowance.take(0.02) is None


def test_the_interview_limit_counts_audio_streamed_on_earlier_connections():
    allowance = AudioAllowance(answer_limit_s=100, interview_limit_s=10, used_s=9.5)
    assert allowance.take(0.4) is None
    assert allowance.take(0.2) == "interview"
    allowance.new_answer()
    assert allowance.refusing  # the interview's limit holds for every answer after it
    assert allowance.take(0.2) is None  # refused audio is not counted, and said only once


def test_an_interview_already_over_its_limit_refuses_from_the_first_frame():
    allowance = AudioAllowance(answer_limit_s=100, interview_limit_s=10, used_s=10)
    assert allowance.take(0.02) == "interview"


def test_unsynced_seconds_are_handed_over_once():
    allowance = AudioAllowance(answer_limit_s=100, interview_limit_s=1000, used_s=0)
    for _ in range(251):
        allowance.take(0.02)
    assert allowance.unsynced_s(at_least=5.0) == pytest.approx(5.02)
    assert allowance.unsynced_s(at_least=5.0) == 0.0
    allowance.take(0.02)
    assert allowance.unsynced_s() == pytest.approx(0.02)
