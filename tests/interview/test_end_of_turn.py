"""Semantic end of turn: 20 ms voice decisions in, questions to the model and ends of turn out."""

from __future__ import annotations

import pytest

from rehearse.interview.end_of_turn import LISTEN, AskModel, EndTurn, SemanticTurn, TurnDecision, TurnThresholds

# The model alone (no transcript): its yes ends the turn at once.
MODEL_ONLY = {"text_threshold": None, "text_wait_s": None}
FAST = TurnThresholds(ask_after_s=0.2, threshold=0.5, incomplete_max_s=2.0, max_silence_s=3.0, min_answer_s=0.0, **MODEL_ONLY)


def feed(turn: SemanticTurn, frames: str) -> list[tuple[int, TurnDecision]]:
    """`frames`: one character per 20 ms frame, 'x' voiced and '.' quiet; returns (frame index, decision) but Listen."""
    return [(turn.frame, d) for c in frames if (d := turn.push(c == "x")) != LISTEN]


def asked_after_answer(turn: SemanticTurn) -> AskModel:
    [(_, ask)] = feed(turn, "x" * 10 + "." * 10)
    assert isinstance(ask, AskModel)
    return ask


def test_silence_before_any_answer_asks_nothing_and_never_ends():
    turn = SemanticTurn(FAST)
    assert feed(turn, "." * 400) == [] and turn.state == "waiting"


def test_a_click_or_a_cough_does_not_count_as_an_answer():
    turn = SemanticTurn(FAST)
    assert feed(turn, ("x" * 9 + "." * 20) * 10 + "." * 200) == []


def test_after_speech_and_a_short_silence_the_model_is_asked_about_that_frame():
    turn = SemanticTurn(FAST)
    decisions = feed(turn, "x" * 10 + "." * 10)
    assert decisions == [(19, AskModel(frame=19, silence_s=pytest.approx(0.2)))]
    assert turn.state == "quiet"


def test_a_confident_yes_ends_the_turn_and_starts_afresh():
    turn = SemanticTurn(FAST)
    ask = asked_after_answer(turn)
    assert turn.model_said(0.97, ask.frame) is True
    assert turn.state == "waiting"
    assert feed(turn, "." * 200) == []  # no second end from the same silence


def test_the_threshold_itself_counts_as_finished():
    turn = SemanticTurn(FAST)
    assert turn.model_said(0.5, asked_after_answer(turn).frame) is True


def test_a_no_waits_and_ends_at_the_incomplete_limit():
    turn = SemanticTurn(FAST)
    ask = asked_after_answer(turn)
    assert turn.model_said(0.01, ask.frame) is False
    decisions = feed(turn, "." * 200)
    assert decisions == [(ask.frame + 90, EndTurn("unsure"))]  # 2.0 s of silence in all: 100 quiet frames


def test_the_longest_silence_ends_the_turn_when_the_model_never_answers():
    turn = SemanticTurn(FAST)
    asked_after_answer(turn)
    assert feed(turn, "." * 200) == [(10 + 149, EndTurn("silence"))]


def test_the_longest_silence_ends_the_turn_even_after_a_late_no():
    turn = SemanticTurn(TurnThresholds(ask_after_s=0.2, incomplete_max_s=3.0, max_silence_s=3.0, **MODEL_ONLY))
    ask = asked_after_answer(turn)
    turn.model_said(0.2, ask.frame)
    assert feed(turn, "." * 200) == [(10 + 149, EndTurn("silence"))]


def test_voice_resuming_makes_the_question_in_flight_stale():
    turn = SemanticTurn(FAST)
    ask = asked_after_answer(turn)
    feed(turn, "x")
    assert turn.model_said(0.99, ask.frame) is False
    assert turn.state == "speaking"


def test_voice_resuming_after_a_no_starts_the_wait_again():
    turn = SemanticTurn(FAST)
    turn.model_said(0.01, asked_after_answer(turn).frame)
    decisions = feed(turn, "." * 50 + "x" * 3 + "." * 10)
    assert [type(d) for _, d in decisions] == [AskModel]  # asked again about the new silence, not ended


def test_an_answer_from_before_a_reset_is_ignored():
    turn = SemanticTurn(FAST)
    ask = asked_after_answer(turn)
    turn.reset()
    assert turn.model_said(0.99, ask.frame) is False
    again = asked_after_answer(turn)
    assert again.frame != ask.frame and turn.model_said(0.99, ask.frame) is False


def test_an_answer_about_another_frame_is_ignored():
    turn = SemanticTurn(FAST)
    ask = asked_after_answer(turn)
    assert turn.model_said(0.99, ask.frame - 1) is False
    assert turn.model_said(0.99, ask.frame) is True


def test_one_question_at_a_time_and_no_repeat_without_reask():
    turn = SemanticTurn(FAST)
    asked_after_answer(turn)
    assert [d for _, d in feed(turn, "." * 40)] == []  # still in flight: nothing new asked


def test_after_a_no_the_model_is_asked_again_every_reask_interval():
    turn = SemanticTurn(TurnThresholds(ask_after_s=0.2, reask_every_s=0.4, max_silence_s=3.0, min_answer_s=0.0, **MODEL_ONLY))
    ask = asked_after_answer(turn)
    turn.model_said(0.1, ask.frame)
    [(at, again)] = feed(turn, "." * 20)
    assert isinstance(again, AskModel) and at == ask.frame + 20 and again.silence_s == pytest.approx(0.6)
    assert turn.model_said(0.9, again.frame) is True


def test_a_yes_to_a_short_answer_ends_it_only_at_the_early_limit():
    turn = SemanticTurn(TurnThresholds(ask_after_s=0.2, min_answer_s=5.0, early_end_s=1.5, max_silence_s=3.0, **MODEL_ONLY))
    ask = asked_after_answer(turn)  # 0.2 s of voice: a story's opening sentence
    assert turn.model_said(0.99, ask.frame) is False
    assert feed(turn, "." * 100) == [(ask.frame + 65, EndTurn("short"))]  # 1.5 s of silence


def test_a_story_going_on_after_an_early_yes_is_not_ended():
    turn = SemanticTurn(TurnThresholds(ask_after_s=0.2, min_answer_s=5.0, early_end_s=1.5, max_silence_s=3.0, **MODEL_ONLY))
    turn.model_said(0.99, asked_after_answer(turn).frame)
    decisions = feed(turn, "." * 40 + "x" * 5 + "." * 60)
    assert all(isinstance(d, AskModel) for _, d in decisions)


def test_a_yes_after_enough_voice_ends_at_once():
    turn = SemanticTurn(TurnThresholds(ask_after_s=0.2, min_answer_s=1.0, early_end_s=1.5, max_silence_s=3.0, **MODEL_ONLY))
    [(_, ask)] = feed(turn, "x" * 50 + "." * 10)
    assert turn.model_said(0.99, ask.frame) is True


@pytest.mark.parametrize(
    "bad",
    [
        {"ask_after_s": 0.0},
        {"ask_after_s": 1.0, "incomplete_max_s": 0.5},
        {"incomplete_max_s": 4.0, "max_silence_s": 3.0},
        {"threshold": 1.5},
        {"reask_every_s": 0.0},
        {"early_end_s": 5.0, "max_silence_s": 3.0},
        {"min_answer_s": -1.0},
    ],
)
def test_inconsistent_thresholds_are_refused(bad):
    with pytest.raises(ValueError):
        TurnThresholds(**bad)


def test_thresholds_come_from_the_settings_capped_by_the_longest_silence():
    from rehearse.settings import Settings

    settings = Settings(end_of_turn_silence_s=1.5, turn_incomplete_max_s=2.5, turn_early_end_s=2.0, turn_ask_after_s=0.3)
    thresholds = TurnThresholds.from_settings(settings)
    assert thresholds.max_silence_s == 1.5 and thresholds.incomplete_max_s == 1.5 and thresholds.early_end_s == 1.5
    assert thresholds.ask_after_s == 0.3 and thresholds.threshold == settings.turn_complete_threshold


# -- without a model: silence alone (REHEARSE_TURN_MODEL=none) ------------------------------------------------------------
def _silence_only(frames: str) -> list:
    turn = SemanticTurn(TurnThresholds.silence_only(0.2))
    return [d for d in (turn.push(c == "v") for c in frames) if d is not LISTEN]


def test_without_a_model_the_turn_ends_after_speech_then_silence_once():
    assert _silence_only("v" * 15 + "." * 30) == [EndTurn("silence")]


def test_without_a_model_silence_alone_never_ends_a_turn():
    assert _silence_only("." * 100) == []


def test_without_a_model_a_cough_is_not_an_answer():
    assert _silence_only("vvvvv" + "." * 50) == []


def test_without_a_model_the_settings_give_silence_alone():
    from rehearse.settings import Settings

    thresholds = TurnThresholds.from_settings(Settings(turn_model="none", end_of_turn_silence_s=2.0))
    assert thresholds == TurnThresholds.silence_only(2.0)


WITH_TEXT = TurnThresholds(ask_after_s=0.2, threshold=0.9, incomplete_max_s=3.0, max_silence_s=3.0, min_answer_s=0.0,
                           text_threshold=0.1, text_min_answer_s=0.0, text_wait_s=None)  # fmt: skip


def test_a_finished_transcript_lets_a_weaker_yes_end_the_turn():
    turn = SemanticTurn(WITH_TEXT)
    ask = asked_after_answer(turn)
    assert turn.model_said(0.3, ask.frame) is False  # not sure enough alone
    assert turn.heard("That is basically how we handled it.") is True
    assert turn.state == "waiting"


def test_the_transcript_may_come_before_the_model():
    turn = SemanticTurn(WITH_TEXT)
    ask = asked_after_answer(turn)
    assert turn.heard("That is basically how we handled it.") is False  # the transcript alone ends nothing
    assert turn.model_said(0.3, ask.frame) is True


def test_a_trailing_transcript_holds_the_turn_whatever_the_model_says():
    turn = SemanticTurn(WITH_TEXT)
    ask = asked_after_answer(turn)
    assert turn.heard("What I would do differently is...") is False
    assert turn.model_said(0.98, ask.frame) is False
    decisions = feed(turn, "." * 200)
    assert decisions == [(10 + 149, EndTurn("silence"))]  # waits for the longest silence


def test_a_very_unsure_model_is_not_overruled_by_the_transcript():
    turn = SemanticTurn(WITH_TEXT)
    ask = asked_after_answer(turn)
    assert turn.model_said(0.05, ask.frame) is False
    assert turn.heard("We fixed the bug.") is False  # below text_threshold: "We fixed the bug, um" sounds like this


def test_without_a_text_threshold_the_transcript_is_not_consulted():
    turn = SemanticTurn(TurnThresholds(ask_after_s=0.2, threshold=0.9, min_answer_s=0.0, **MODEL_ONLY))
    ask = asked_after_answer(turn)
    turn.model_said(0.5, ask.frame)
    assert turn.heard("That is basically how we handled it.") is False


def test_a_finished_transcript_of_a_short_answer_waits_for_the_early_end():
    t = TurnThresholds(ask_after_s=0.2, threshold=0.9, incomplete_max_s=3.0, max_silence_s=3.0, min_answer_s=10.0,
                       early_end_s=1.6, text_threshold=0.1, text_min_answer_s=6.0)  # fmt: skip
    turn = SemanticTurn(t)
    ask = asked_after_answer(turn)  # 0.2 s of voice: an opening sentence
    turn.model_said(0.5, ask.frame)
    assert turn.heard("Last year I led the checkout team.") is False
    assert feed(turn, "." * 100) == [(ask.frame + 70, EndTurn("short"))]


def test_the_transcript_is_ignored_while_the_candidate_speaks():
    turn = SemanticTurn(WITH_TEXT)
    ask = asked_after_answer(turn)
    feed(turn, "x")
    assert turn.heard("That is basically how we handled it.") is False
    assert turn.model_said(0.99, ask.frame) is False


WAITING = TurnThresholds(ask_after_s=0.2, threshold=0.5, incomplete_max_s=3.0, max_silence_s=3.0, min_answer_s=0.0,
                         text_threshold=0.0, text_min_answer_s=0.0, text_wait_s=1.0)  # fmt: skip


def test_a_confident_yes_waits_for_the_transcript_which_may_hold_the_turn():
    turn = SemanticTurn(WAITING)
    ask = asked_after_answer(turn)
    assert turn.model_said(0.98, ask.frame) is False  # "What I would do differently is" sounds finished
    assert turn.heard("What I would do differently is...") is False
    assert feed(turn, "." * 200) == [(10 + 149, EndTurn("silence"))]


def test_a_confident_yes_ends_the_turn_when_the_transcript_reads_finished():
    turn = SemanticTurn(WAITING)
    ask = asked_after_answer(turn)
    assert turn.model_said(0.98, ask.frame) is False
    assert turn.heard("And that was the result.") is True


def test_a_confident_yes_ends_the_turn_when_no_transcript_comes_in_time():
    turn = SemanticTurn(WAITING)
    ask = asked_after_answer(turn)
    turn.model_said(0.98, ask.frame)
    assert feed(turn, "." * 100) == [(ask.frame + 40, EndTurn("finished"))]  # 1.0 s of silence in all


def test_a_transcript_with_no_punctuation_leaves_it_to_the_model():
    turn = SemanticTurn(WAITING)
    ask = asked_after_answer(turn)
    turn.model_said(0.98, ask.frame)
    assert turn.heard("and that was the result") is True  # unknown from the text, a yes from the model
    turn = SemanticTurn(WAITING)
    ask = asked_after_answer(turn)
    turn.model_said(0.2, ask.frame)
    assert turn.heard("and that was the result") is False


def test_the_app_settings_wait_for_the_transcript():
    from rehearse.settings import Settings

    t = TurnThresholds.from_settings(Settings())
    assert t.text_threshold is not None and t.text_wait_s is not None and t.text_wait_s <= t.max_silence_s
