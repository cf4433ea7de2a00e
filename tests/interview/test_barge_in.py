"""When the candidate's voice pauses the interviewer, lets it go on, or takes the floor: 20 ms frames in, decisions out."""

from __future__ import annotations

from rehearse.interview.barge_in import BargeIn, BargeInLimits


def run(frames: str, detector: BargeIn | None = None) -> list[tuple[int, str]]:
    """`frames`: one character per 20 ms frame, 'x' voiced and '.' quiet; returns (frame index, decision)."""
    detector = detector or BargeIn()
    return [(i, d) for i, c in enumerate(frames) if (d := detector.push(c == "x")) is not None]


def test_a_click_or_a_breath_does_not_pause_the_interviewer():
    assert run("xxx....xxxx...x.x.x.x" * 3) == []


def test_voice_pauses_the_interviewer_within_two_hundred_milliseconds():
    [(at, decision)] = run("x" * 9)
    assert decision == "hold" and (at + 1) * 20 <= 200


def test_a_cough_or_an_okay_lets_the_interviewer_go_on():
    okay = "x" * 18 + "." * 20  # 0.36 s of voice, then quiet
    assert [d for _, d in run(okay)] == ["hold", "release"]


def test_speaking_on_takes_the_floor():
    decisions = run("x" * 10 + ".." + "x" * 25)
    assert [d for _, d in decisions] == ["hold", "interrupt"]
    assert decisions[-1][0] * 20 <= 700


def test_short_gaps_between_words_do_not_release_the_hold():
    words = ("x" * 10 + "." * 8) * 4
    assert [d for _, d in run(words)][:2] == ["hold", "interrupt"]


def test_after_a_decision_it_starts_over():
    detector = BargeIn()
    assert [d for _, d in run("x" * 30, detector)] == ["hold", "interrupt"]
    assert not detector.held
    assert [d for _, d in run("x" * 9, detector)] == ["hold"]


def test_limits_are_configurable():
    detector = BargeIn(BargeInLimits(hold_s=0.1, interrupt_s=0.2, release_s=0.1))
    assert run("x" * 5 + "x" * 5, detector) == [(4, "hold"), (9, "interrupt")]
