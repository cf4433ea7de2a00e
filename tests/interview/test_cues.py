"""Instant cues, without a relay: each rule, the pace cue measured the way the score measures pace, and the limits."""

from __future__ import annotations

import pytest

from rehearse.app.live_cues import cue_rules_for
from rehearse.domain.analysis_model import AnswerText, Word
from rehearse.feedback.scoring.pace import speaking_time
from rehearse.feedback.scoring.rubric import load_rubric
from rehearse.feedback.scoring.text import split_answer
from rehearse.interview.cues import ADD_RESULT, FEWER_FILLERS, SLOW_DOWN, TAKE_A_MOMENT, WRAP_UP, Cue, CueEngine, CueRules

RULES = cue_rules_for(None)  # the default rubric's: what a role without a rubric of its own gets


def spoken(text: str, start: float, wpm: float) -> list[Word]:
    """Words back to back at `wpm`, each ending where the next begins."""
    step = 60.0 / wpm
    return [Word(w=w, start=start + i * step, end=start + (i + 1) * step) for i, w in enumerate(text.split())]


def phrased(seconds: float, wpm: float, words_per_phrase: int = 12, pause_s: float = 0.7) -> list[Word]:
    """About `seconds` of answer in phrases with pauses between them, at `wpm` as the score counts it (from the first
    word's start to the last word's end, pauses included): within a phrase the words come faster, as in real speech."""
    phrases = int(seconds * wpm / 60 / words_per_phrase)
    phrase_s = (phrases * words_per_phrase * 60.0 / wpm - (phrases - 1) * pause_s) / phrases
    step = phrase_s / words_per_phrase
    return [
        Word(w="word", start=p * (phrase_s + pause_s) + i * step, end=p * (phrase_s + pause_s) + (i + 1) * step)
        for p in range(phrases)
        for i in range(words_per_phrase)
    ]


def engine(now=0.0, limit=120.0, rules: CueRules = RULES) -> CueEngine:
    e = CueEngine(rules)
    e.start_answer(now, limit)
    return e


def cues_over(words: list[Word], seconds: float, final_delay_s: float = 0.8, rules: CueRules = RULES) -> list[tuple[float, Cue]]:
    """Every cue of an answer checked twice a second, as the relay does, each word final `final_delay_s` after it ends
    (a phrase's final comes once the phrase is over: the partial before it holds the phrase's words so far)."""
    e = engine(rules=rules)
    given = []
    for tick in range(1, int(seconds * 2) + 1):
        now = tick / 2
        finals = [w for w in words if w.end + final_delay_s <= now]
        partial = [w for w in words if w.end <= now and w.end + final_delay_s > now]
        if (cue := e.check(now, finals, partial)) is not None:
            given.append((now, cue))
    return given


def test_a_long_answer_is_asked_to_wrap_up():
    words = spoken("we shipped it and it cut costs by 30 percent " * 30, 0, 140)
    e = engine()
    assert e.check(121, [w for w in words if w.end <= 121]) == WRAP_UP


def test_the_pace_cue_fires_above_the_range_the_score_calls_good():
    good = load_rubric(None).good_pace
    assert good is not None and RULES.good_pace_max_wpm == good[1]
    assert cue_rules_for("customer_success").good_pace_max_wpm == load_rubric("customer_success").good_pace[1]  # a calmer role


@pytest.mark.parametrize("wpm", [150, 160, 164, 170])
def test_no_pace_cue_in_a_whole_answer_at_a_pace_the_score_calls_good(wpm):
    for words in (spoken("word " * int(wpm), 0.0, wpm), phrased(60.0, wpm)):
        score = speaking_time(split_answer(AnswerText(question_text="Q?", text=" ".join(w.w for w in words), words=words)))
        assert score.pace_wpm <= RULES.good_pace_max_wpm  # the score calls this pace good ...
        assert SLOW_DOWN not in [c for _, c in cues_over(words, 60.0)]  # ... and the cue agrees


@pytest.mark.parametrize("words", [spoken("word " * 200, 0.0, 200), phrased(60.0, 200)], ids=["steady", "in phrases"])
def test_one_pace_cue_at_200_wpm(words):
    slow_downs = [t for t, c in cues_over(words, 60.0) if c == SLOW_DOWN]
    assert len(slow_downs) == 1
    assert RULES.pace_min_speech_s <= slow_downs[0] <= 30.0


def test_no_pace_cue_in_the_first_seconds_of_an_answer_however_fast():
    words = spoken("word " * 100, 0.0, 240)
    early = cues_over(words, RULES.pace_min_speech_s - 0.5)
    assert SLOW_DOWN not in [c for _, c in early]


def test_the_wrongly_fired_case_five_seconds_into_an_answer_at_164_wpm():
    words = spoken("word " * 14, 0.0, 164)  # 5.1 s of speech
    assert engine().check(5.5, words) is None


def test_hesitations_do_not_count_towards_pace_as_the_score_does_not_count_them():
    words = spoken("we um shipped uh it " * 40, 0.0, 210)  # 210 tokens a minute, 126 of them words
    assert SLOW_DOWN not in [c for _, c in cues_over(words, 45.0)]


def test_pace_is_read_from_finals_not_from_the_partial():
    e = engine()
    finals = phrased(25.0, 150)
    garbled = spoken("ya est on liberty locked onto due to my great honor " * 4, 25.0, 400)  # a partial's guesses
    assert e.check(26.0, finals, garbled) is None


def test_without_a_good_range_there_is_no_pace_cue():
    words = spoken("word " * 100, 0.0, 240)
    assert SLOW_DOWN not in [c for _, c in cues_over(words, 25.0, rules=CueRules(good_pace_max_wpm=None))]


def test_many_fillers_get_a_cue():
    words = spoken("so um we uh built it um and uh it worked", 0, 140)
    assert engine().check(6, words) == FEWER_FILLERS


def test_fillers_of_the_phrase_being_spoken_count():
    words = spoken("so um we uh built it um and uh it worked", 0, 140)
    assert engine().check(6, [], words) == FEWER_FILLERS


def test_silence_after_the_question_gets_take_a_moment():
    assert engine().check(5, []) is None
    assert engine().check(8.5, []) == TAKE_A_MOMENT


def test_late_answer_without_a_result_is_nudged_and_one_with_a_result_is_not():
    vague = spoken("we worked on the project together and talked a lot " * 15, 0, 140)
    assert engine().check(61, [w for w in vague if w.end <= 61]) == ADD_RESULT
    concrete = spoken("we worked on the project and reduced errors " * 15, 0, 140)
    assert engine().check(61, [w for w in concrete if w.end <= 61]) is None


def test_cues_are_rate_limited():
    e = engine()
    fast = spoken("word " * 400, 0, 220)
    seen = [(t, e.check(t, [w for w in fast if w.end <= t])) for t in range(10, 110)]
    given = [(t, c) for t, c in seen if c is not None]
    assert all(b[0] - a[0] >= 15 for a, b in zip(given, given[1:], strict=False))
    slow_downs = [t for t, c in given if c == SLOW_DOWN]
    assert slow_downs and all(b - a >= 60 for a, b in zip(slow_downs, slow_downs[1:], strict=False))
    assert len(given) <= 4


def test_a_new_answer_resets_the_limits():
    e = engine()
    assert e.check(8.5, []) == TAKE_A_MOMENT
    e.start_answer(100)
    assert e.check(108.5, []) == TAKE_A_MOMENT
