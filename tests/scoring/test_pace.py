import pytest

from rehearse.domain.analysis_model import AnswerText, Word
from rehearse.feedback.scoring.pace import long_pauses, speaking_time
from rehearse.feedback.scoring.text import split_answer
from tests.scoring.conftest import answer_from_text, timed_answer

SIXTY_WORDS = " ".join(["word"] * 59 + ["end."])


def test_pace_is_words_over_first_start_to_last_end():
    # 60 words, one every 0.5 s: the last ends at 59 * 0.5 + 0.4 = 29.9 s -> 60 / 29.9 * 60 = 120.4 wpm.
    timing = speaking_time(split_answer(timed_answer(SIXTY_WORDS, seconds_per_word=0.5)))
    assert not timing.estimated
    assert timing.duration_s == pytest.approx(29.9)
    assert timing.pace_wpm == pytest.approx(120.4, abs=0.1)


def test_without_timings_the_duration_is_estimated_at_150_wpm():
    timing = speaking_time(split_answer(answer_from_text(SIXTY_WORDS)))
    assert timing.estimated
    assert timing.duration_s == pytest.approx(24.0)
    assert timing.pace_wpm == 150.0


def test_hesitations_do_not_count_as_words():
    timing = speaking_time(split_answer(answer_from_text("Um, we, uh, shipped it.")))
    assert timing.duration_s == pytest.approx(3 / 150 * 60)


def test_only_gaps_longer_than_one_second_are_pauses():
    # Gaps after words 2, 5 and 8 of 0.95 s (not a pause), 1.5 s and 3.0 s: 0.1 s between words plus the extra silence.
    answer = timed_answer(SIXTY_WORDS, seconds_per_word=0.5, pauses={2: 0.85, 5: 1.4, 8: 2.9})
    pauses = long_pauses(split_answer(answer))
    assert pauses.count == 2
    assert pauses.longest_s == pytest.approx(3.0)
    assert pauses.total_s == pytest.approx(4.5)


def test_a_restarted_clock_is_treated_as_no_timings():
    words = [
        Word(w="We", start=10.0, end=10.2),
        Word(w="shipped", start=10.3, end=10.7),
        Word(w="it.", start=0.1, end=0.3),
    ]
    transcript = split_answer(AnswerText(question_text="q", words=words))
    assert not transcript.timed
    assert long_pauses(transcript).count == 0
