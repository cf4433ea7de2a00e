import numpy as np

from rehearse.interview.phrases import FRAME_SAMPLES, PhraseCutter, PhraseEnded, PhraseStarted


class LoudIsSpeech:
    """A voice-activity stand-in for pure logic tests: a frame is speech when it is loud."""

    def is_speech(self, frame: np.ndarray) -> bool:
        return bool(np.abs(frame).mean() > 1000)


def frames(pattern: str) -> list[np.ndarray]:
    """'v' = a voiced 20 ms frame, '.' = silence."""
    return [np.full(FRAME_SAMPLES, 5000 if c == "v" else 0, np.int16) for c in pattern]


def run(cutter, pattern):
    events = []
    for frame in frames(pattern):
        events += cutter.push(frame)
    return events


def test_a_phrase_starts_with_voice_and_ends_after_the_silence():
    cutter = PhraseCutter(LoudIsSpeech(), silence_s=0.1)
    events = run(cutter, "....vvvvvvvvvv......")
    assert isinstance(events[0], PhraseStarted)
    assert isinstance(events[1], PhraseEnded)
    ended = events[1]
    assert abs(ended.start_s - 0.0) < 0.2  # includes the pre-roll
    assert abs(ended.end_s - 0.28) < 0.021  # the last voiced frame ends at 14 * 20 ms
    assert ended.audio.size > 10 * FRAME_SAMPLES


def test_a_click_does_not_start_a_phrase():
    assert run(PhraseCutter(LoudIsSpeech()), "v....v....v....") == []


def test_cut_closes_the_open_phrase():
    cutter = PhraseCutter(LoudIsSpeech(), silence_s=1.0)
    run(cutter, "vvvvvv")
    assert cutter.in_phrase
    assert isinstance(cutter.cut(), PhraseEnded)
    assert cutter.cut() is None


def test_long_speech_is_cut_at_the_maximum_phrase_length():
    cutter = PhraseCutter(LoudIsSpeech(), max_phrase_s=0.5)
    events = run(cutter, "v" * 60)
    assert sum(isinstance(e, PhraseEnded) for e in events) >= 1


def test_a_decision_made_upstream_is_used_instead_of_the_cutters_own():
    cutter = PhraseCutter(LoudIsSpeech(), silence_s=0.1)
    events = []
    for frame in frames("." * 20):  # silent audio, said to be voiced: the caller's decision wins
        events += cutter.push(frame, voiced=True)
    assert any(isinstance(e, PhraseStarted) for e in events)
