"""The evaluation set stays what eval/run.py reports on: same-question pairs, 60-200 words, 7+ per dimension."""

from collections import Counter

from eval.pairs import load_pairs, timed_words
from rehearse.domain.analysis_model import DIMENSIONS


def test_pairs_cover_every_dimension_with_realistic_lengths():
    pairs = load_pairs()
    assert min(Counter(p.dimension for p in pairs)[d] for d in DIMENSIONS) >= 7
    for pair in pairs:
        assert pair.strong.question_text == pair.weak.question_text == pair.question.text
        for answer in (pair.strong, pair.weak):
            assert 60 <= len(answer.text.split()) <= 200, pair.id


def test_generated_timings_follow_the_pace_and_the_pauses():
    words = timed_words(" ".join(["word"] * 100), wpm=200, pauses=[(10, 2.0)])
    assert words[11].start - words[10].end >= 2.0
    speaking = words[-1].end - words[0].start - 2.0
    assert abs(100 / speaking * 60 - 200) < 2
