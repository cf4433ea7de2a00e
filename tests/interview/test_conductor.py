"""The interview's flow, without sockets: every control in every state, silence, finals after the end, resume
mid-answer, link changes and cues. Each test feeds typed events and reads the actions."""

from __future__ import annotations

import pytest

from rehearse.app.live_cues import cue_engine_for
from rehearse.domain.analysis_model import Word
from rehearse.domain.follow_ups import AskedFollowUp
from rehearse.domain.model import Question, Session, SessionStatus
from rehearse.interview import channel_messages as msg
from rehearse.interview.conductor import (
    ACKNOWLEDGEMENTS,
    CLOSING_REMARK,
    AnswerClosed,
    CandidateVoice,
    CloseAnswer,
    CloseFailed,
    Control,
    DecideFollowUp,
    FollowUpDecided,
    Heard,
    Hush,
    InterviewConductor,
    LinkChanged,
    OpenAnswer,
    PauseVoice,
    Prepare,
    Resumed,
    ResumeVoice,
    Say,
    Send,
    Spoken,
    StartAnswer,
    Tick,
    TurnEnded,
)
from rehearse.interview.link_quality import LinkState

QUESTIONS = [Question(id=f"q{i}", index=i, text=f"Question number {i}?") for i in range(3)]


def session(current: int = 0, status: SessionStatus = SessionStatus.live, **fields) -> Session:
    return Session(session_id="s_1", questions=QUESTIONS, current_question=current, status=status, **fields)


def ended() -> Session:
    return session(current=len(QUESTIONS), status=SessionStatus.ended)


def sent(actions, kind=None) -> list:
    messages = [a.message for a in actions if isinstance(a, Send)]
    return [m for m in messages if kind is None or isinstance(m, kind)]


def of(actions, kind) -> list:
    return [a for a in actions if isinstance(a, kind)]


def said(*words: tuple[str, float]) -> tuple[Word, ...]:
    """Recognized words from (word, end time), each a fifth of a second long."""
    return tuple(Word(w=w, start=round(end - 0.2, 2), end=end) for w, end in words)


def listening(current: int = 0) -> InterviewConductor:
    """A conductor that has asked question `current` and is listening for the answer (cues by the default rubric)."""
    conductor = InterviewConductor(session(current), cues=cue_engine_for(None))
    [say] = of(conductor.handle(Resumed(session(current))), Say)
    conductor.handle(Spoken(say.ask, audio_s=2.0))
    assert conductor.status == "listening"
    return conductor


def closing(reason: str = "next") -> InterviewConductor:
    conductor = listening()
    conductor.handle(Control(reason, audio_s=10.0))
    assert conductor.status == "closing"
    return conductor


# -- starting ------------------------------------------------------------------------------------------------------
def test_nothing_happens_before_the_page_says_hello():
    conductor = InterviewConductor(session())
    assert conductor.status == "idle"
    for event in (Control("next", 1.0), Control("end", 1.0), Control("repeat", 1.0), TurnEnded(1.0), Tick(1.0)):
        assert conductor.handle(event) == []
    assert conductor.status == "idle"


def test_hello_asks_the_current_question_aloud_and_shows_it():
    conductor = InterviewConductor(session(1))
    actions = conductor.handle(Resumed(session(1)))
    assert conductor.status == "asking"
    [state] = sent(actions, msg.StateOut)
    assert (state.status, state.question_index, state.total) == ("asking", 1, 3)
    [question] = sent(actions, msg.QuestionOut)
    assert (question.question_id, question.text) == ("q1", "Question number 1?")
    [say] = of(actions, Say)
    assert say.text == "Question number 1?"
    assert of(actions, Hush), "whatever was being said stops first"
    assert actions.index(say) < actions.index(of(actions, Prepare)[0]), "the question is said before anything is prepared"
    [opened] = of(actions, OpenAnswer)
    assert opened.question.id == "q1", "words said while the question is read belong to its answer, and are recorded"


def test_the_answer_is_listened_for_once_the_question_has_been_spoken():
    conductor = InterviewConductor(session())
    [say] = of(conductor.handle(Resumed(session())), Say)
    actions = conductor.handle(Spoken(say.ask, audio_s=3.0))
    assert conductor.status == "listening" and conductor.listening
    [start] = of(actions, StartAnswer)
    assert start.question.id == "q0"
    assert sent(actions, msg.StateOut)[0].status == "listening"
    assert of(actions, Prepare) == [Prepare(("Question number 1?",))], "the next question is made ready while this one is answered"


def test_resuming_an_answer_under_way_shows_the_question_without_reading_it_again():
    conductor = InterviewConductor(session(1))
    actions = conductor.handle(Resumed(session(1), answer_under_way=True, audio_s=4.0))
    assert not of(actions, Say)
    assert sent(actions, msg.QuestionOut)[0].question_id == "q1"
    assert conductor.status == "listening" and of(actions, StartAnswer)


def test_resuming_an_ended_interview_says_ended_and_nothing_else():
    conductor = InterviewConductor(session())
    actions = conductor.handle(Resumed(ended()))
    assert conductor.status == "ended"
    assert [type(m) for m in sent(actions)] == [msg.StateOut, msg.EndedOut]
    assert sent(actions, msg.StateOut)[0].status == "ended"
    assert not of(actions, Say)


def test_a_second_hello_asks_again_from_the_stored_session():
    conductor = listening(0)
    actions = conductor.handle(Resumed(session(1)))
    assert sent(actions, msg.QuestionOut)[0].question_id == "q1"
    assert conductor.status == "asking"


# -- controls in every state ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["next", "end"])
def test_next_and_end_while_listening_close_the_answer(kind):
    conductor = listening()
    [close] = of(conductor.handle(Control(kind, audio_s=12.0)), CloseAnswer)
    assert (close.index, close.question_id, close.reason) == (0, "q0", kind)
    assert conductor.status == "closing" and not conductor.listening


@pytest.mark.parametrize("kind", ["next", "end"])
def test_next_and_end_while_the_question_is_read_close_the_answer(kind):
    conductor = InterviewConductor(session())
    conductor.handle(Resumed(session()))
    actions = conductor.handle(Control(kind, audio_s=1.0))
    [close] = of(actions, CloseAnswer)
    assert close.reason == kind
    assert of(actions, Hush) and not of(actions, Say)  # the reading stops; nothing was answered to acknowledge


@pytest.mark.parametrize("kind", ["next", "end", "repeat"])
def test_controls_while_closing_are_ignored(kind):
    conductor = closing()
    assert conductor.handle(Control(kind, audio_s=11.0)) == []
    assert conductor.status == "closing"


@pytest.mark.parametrize("kind", ["next", "end", "repeat"])
def test_controls_after_the_end_are_ignored(kind):
    conductor = InterviewConductor(session())
    conductor.handle(Resumed(ended()))
    assert conductor.handle(Control(kind, audio_s=1.0)) == []
    assert conductor.status == "ended"


def test_repeat_while_listening_reads_the_same_question_again():
    conductor = listening(1)
    actions = conductor.handle(Control("repeat", audio_s=5.0))
    assert conductor.status == "asking"
    [say] = of(actions, Say)
    assert say.text == "Question number 1?" and of(actions, Hush)


def test_repeat_while_asking_starts_the_reading_over():
    conductor = InterviewConductor(session())
    [first] = of(conductor.handle(Resumed(session())), Say)
    [second] = of(conductor.handle(Control("repeat", audio_s=0.5)), Say)
    assert second.ask > first.ask


def test_the_end_of_an_earlier_reading_does_not_start_listening():
    conductor = InterviewConductor(session())
    [first] = of(conductor.handle(Resumed(session())), Say)
    conductor.handle(Control("repeat", audio_s=0.5))
    assert conductor.handle(Spoken(first.ask, audio_s=1.0)) == []
    assert conductor.status == "asking"


# -- silence -------------------------------------------------------------------------------------------------------
def test_silence_after_the_answer_closes_it():
    conductor = listening()
    [close] = of(conductor.handle(TurnEnded(audio_s=20.0)), CloseAnswer)
    assert close.reason == "silence"


@pytest.mark.parametrize("state", ["idle", "asking", "closing", "ended"])
def test_silence_closes_nothing_unless_listening(state):
    conductor = {"idle": lambda: InterviewConductor(session()), "closing": closing}.get(state, lambda: InterviewConductor(session()))()
    if state == "asking":
        conductor.handle(Resumed(session()))
    elif state == "ended":
        conductor.handle(Resumed(ended()))
    assert conductor.handle(TurnEnded(audio_s=30.0)) == []


# -- closing -------------------------------------------------------------------------------------------------------
def test_a_closed_answer_is_reported_and_the_next_question_asked():
    conductor = closing()
    actions = conductor.handle(AnswerClosed(session(1)))
    [end] = sent(actions, msg.AnswerEndOut)
    assert (end.question_id, end.reason) == ("q0", "next")
    assert sent(actions, msg.QuestionOut)[0].question_id == "q1"
    assert of(actions, Say) and conductor.status == "asking"


def test_closing_the_last_answer_ends_the_interview():
    conductor = closing("end")
    actions = conductor.handle(AnswerClosed(ended()))
    assert conductor.status == "ended"
    assert [type(m) for m in sent(actions)] == [msg.AnswerEndOut, msg.StateOut, msg.EndedOut]
    assert of(actions, Hush) and not of(actions, Say)


def test_a_close_that_could_not_be_persisted_lets_the_answer_go_on():
    conductor = closing()
    assert conductor.handle(CloseFailed()) == []
    assert conductor.status == "listening"
    assert conductor.question_for(15.0) == 0, "the boundary of the failed close is forgotten"
    assert isinstance(conductor.handle(Control("next", audio_s=16.0))[0], CloseAnswer)


def test_a_late_close_report_outside_closing_is_ignored():
    conductor = listening()
    assert conductor.handle(AnswerClosed(session(1))) == []
    assert conductor.status == "listening"


# -- which answer words belong to ----------------------------------------------------------------------------------
def test_words_are_attributed_to_the_question_being_answered_when_spoken():
    conductor = closing()  # closed at 10 s
    conductor.handle(AnswerClosed(session(1)))
    assert conductor.question_for(9.9) == 0 and conductor.question_id(conductor.question_for(9.9)) == "q0"
    assert conductor.question_for(10.0) == 1


def test_a_final_begun_after_the_end_belongs_to_no_answer():
    conductor = closing("end")
    conductor.handle(AnswerClosed(ended()))
    assert conductor.belongs_to_an_answer(9.0)
    assert not conductor.belongs_to_an_answer(10.5)


def test_a_connection_opened_mid_interview_starts_at_the_current_question():
    conductor = InterviewConductor(session(2))
    assert conductor.question_for(0.0) == 2 and conductor.question_id(2) == "q2"


# -- cues ----------------------------------------------------------------------------------------------------------
def fast_words(start: float, seconds: float, wpm: float) -> tuple[Word, ...]:
    count = int(seconds * wpm / 60)
    step = seconds / count
    return tuple(Word(w="word", start=start + i * step, end=start + (i + 1) * step) for i in range(count))


def test_a_long_silence_at_the_start_of_an_answer_brings_a_cue():
    conductor = listening()
    actions = conductor.handle(Tick(audio_s=2.0 + 9.0))
    [cue] = sent(actions, msg.CueOut)
    assert cue.question_id == "q0"


def test_no_cue_while_the_question_is_being_asked():
    conductor = InterviewConductor(session())
    conductor.handle(Resumed(session()))
    assert conductor.handle(Tick(audio_s=30.0)) == []


def test_words_of_an_earlier_answer_finishing_late_bring_no_cue():
    conductor = closing()
    conductor.handle(AnswerClosed(session(1)))
    assert conductor.handle(Heard(final=True, start=5.0, words=fast_words(5.0, 20.0, 240), audio_s=25.0)) == []


def test_speaking_too_fast_brings_a_slow_down_cue():
    conductor = listening()
    actions = conductor.handle(Heard(final=True, start=2.0, words=fast_words(2.0, 20.0, 240), audio_s=22.0))
    assert [c.kind for c in sent(actions, msg.CueOut)] == ["slow_down"]


def test_on_a_poor_link_cues_shrink_to_a_word():
    conductor = listening()
    conductor.handle(LinkChanged("page", LinkState.POOR))
    assert conductor.degraded
    [cue] = sent(conductor.handle(Heard(final=True, start=2.0, words=fast_words(2.0, 20.0, 240), audio_s=22.0)), msg.CueOut)
    assert len(cue.text.split()) <= 2


def test_link_changes_from_either_side_degrade_until_both_are_good():
    conductor = listening()
    conductor.handle(LinkChanged("relay", LinkState.POOR))
    assert conductor.degraded
    conductor.handle(LinkChanged("relay", LinkState.GOOD))
    assert not conductor.degraded
    conductor.handle(LinkChanged("page", LinkState.LOST))
    assert conductor.degraded
    conductor.handle(LinkChanged("page", LinkState.GOOD))
    assert not conductor.degraded


def test_a_link_change_alone_changes_no_state_of_the_interview():
    conductor = listening()
    assert conductor.handle(LinkChanged("page", LinkState.LOST)) == []
    assert conductor.status == "listening"


# -- a whole interview ---------------------------------------------------------------------------------------------
def test_a_whole_interview_walks_every_question_in_order_and_ends_once():
    conductor = InterviewConductor(session())
    stored = session()
    actions = conductor.handle(Resumed(stored))
    asked, ended_messages = [], 0
    for index in range(len(QUESTIONS)):
        asked.append(sent(actions, msg.QuestionOut)[0].question_id)
        [say] = of(actions, Say)
        conductor.handle(Spoken(say.ask, audio_s=10.0 * index + 1))
        [close] = of(conductor.handle(TurnEnded(audio_s=10.0 * index + 9)), CloseAnswer)
        assert close.index == index
        following = session(index + 1) if index + 1 < len(QUESTIONS) else ended()
        actions = conductor.handle(AnswerClosed(following))
        ended_messages += len(sent(actions, msg.EndedOut))
    assert asked == ["q0", "q1", "q2"] and ended_messages == 1
    assert conductor.status == "ended"
    assert [conductor.question_for(t) for t in (5, 15, 25, 35)] == [0, 1, 2, 3]


# -- acknowledgements ----------------------------------------------------------------------------------------------
def test_the_end_of_an_answer_is_acknowledged_at_once_and_the_question_follows_it():
    conductor = listening()
    actions = conductor.handle(TurnEnded(audio_s=20.0))
    [close], [thanks] = of(actions, CloseAnswer), of(actions, Say)
    assert close.reason == "silence"
    assert thanks.text in ACKNOWLEDGEMENTS and not of(actions, Hush)
    actions = conductor.handle(AnswerClosed(session(1)))
    [question] = of(actions, Say)
    assert question.text == "Question number 1?" and question.queued and not of(actions, Hush)
    assert sent(actions, msg.QuestionOut)[0].text == "Question number 1?"
    assert conductor.handle(Spoken(thanks.ask, audio_s=21.0)) == []  # the acknowledgement's end starts nothing
    assert of(conductor.handle(Spoken(question.ask, audio_s=24.0)), StartAnswer)


def test_next_after_an_answer_is_acknowledged_and_skipping_a_question_is_not():
    conductor = listening()
    conductor.handle(Heard(final=True, start=3.0, words=said(("well", 3.4)), audio_s=4.0))
    assert of(conductor.handle(Control("next", audio_s=5.0)), Say)
    conductor = listening()
    actions = conductor.handle(Control("next", audio_s=5.0))
    assert not of(actions, Say)
    [question] = of(conductor.handle(AnswerClosed(session(1))), Say)
    assert not question.queued


def test_ending_the_interview_is_not_acknowledged_and_silences_the_voice():
    conductor = listening()
    conductor.handle(Heard(final=True, start=3.0, words=said(("well", 3.4)), audio_s=4.0))
    assert not of(conductor.handle(Control("end", audio_s=5.0)), Say)
    assert of(conductor.handle(AnswerClosed(ended())), Hush)


def test_the_last_answer_gets_a_closing_remark_that_plays_out():
    conductor = listening(2)
    [remark] = of(conductor.handle(TurnEnded(audio_s=20.0)), Say)
    assert remark.text == CLOSING_REMARK
    actions = conductor.handle(AnswerClosed(ended()))
    assert conductor.status == "ended" and not of(actions, Hush)


def test_a_repeated_question_is_the_question_alone():
    conductor = closing()
    conductor.handle(AnswerClosed(session(1)))
    [say] = of(conductor.handle(Control("repeat", audio_s=1.0)), Say)
    assert say.text == "Question number 1?" and not say.queued


def test_acknowledgements_vary_and_never_repeat_back_to_back():
    questions = [Question(id=f"q{i}", index=i, text=f"Question number {i}?") for i in range(12)]
    for session_id in ("s_1", "s_2", "abc", "s_long_identifier"):
        stored = Session(session_id=session_id, questions=questions, current_question=0, status=SessionStatus.live)
        conductor = InterviewConductor(stored)
        [say] = of(conductor.handle(Resumed(stored)), Say)
        said = []
        for index in range(len(questions) - 1):
            conductor.handle(Spoken(say.ask, audio_s=1.0))
            [thanks] = of(conductor.handle(TurnEnded(audio_s=5.0)), Say)
            said.append(thanks.text)
            [say] = of(conductor.handle(AnswerClosed(stored.model_copy(update={"current_question": index + 1}))), Say)
        assert all(a in ACKNOWLEDGEMENTS for a in said)
        assert all(a != b for a, b in zip(said, said[1:], strict=False)) and len(set(said)) >= 4, said


# -- barge-in ------------------------------------------------------------------------------------------------------
def asking() -> InterviewConductor:
    conductor = InterviewConductor(session())
    conductor.handle(Resumed(session()))
    assert conductor.status == "asking" and conductor.speaking
    return conductor


def test_voice_over_the_interviewer_pauses_it_and_a_cough_lets_it_go_on():
    conductor = asking()
    assert conductor.handle(CandidateVoice("hold", audio_s=1.0)) == [PauseVoice()]
    assert conductor.status == "held" and conductor.speaking and not conductor.listening
    assert conductor.handle(CandidateVoice("release", audio_s=1.5)) == [ResumeVoice()]
    assert conductor.status == "asking"


def test_speaking_on_over_the_interviewer_stops_it_and_starts_the_answer():
    conductor = asking()
    conductor.handle(CandidateVoice("hold", audio_s=1.0))
    actions = conductor.handle(CandidateVoice("interrupt", audio_s=1.5))
    assert of(actions, Hush) and of(actions, StartAnswer) and not of(actions, Say)
    [interrupted] = sent(actions, msg.InterruptedOut)
    assert interrupted.question_id == "q0"
    assert [m.status for m in sent(actions, msg.StateOut)] == ["listening"]
    assert conductor.status == "listening"


def test_the_reading_that_was_interrupted_does_not_restart_listening():
    conductor = asking()
    [say] = of(conductor.handle(Control("repeat", audio_s=0.5)), Say)
    conductor.handle(CandidateVoice("interrupt", audio_s=1.0))
    assert conductor.handle(Spoken(say.ask, audio_s=2.0)) == []
    assert conductor.status == "listening"


@pytest.mark.parametrize("decision", ["hold", "release", "interrupt"])
def test_the_candidates_voice_changes_nothing_unless_the_interviewer_speaks(decision):
    for conductor in (listening(), closing()):
        status = conductor.status
        assert conductor.handle(CandidateVoice(decision, audio_s=3.0)) == []
        assert conductor.status == status


def test_a_release_without_a_hold_does_nothing():
    conductor = asking()
    assert conductor.handle(CandidateVoice("release", audio_s=1.0)) == []
    assert conductor.status == "asking"


def test_controls_work_while_the_interviewer_is_held():
    conductor = asking()
    conductor.handle(CandidateVoice("hold", audio_s=1.0))
    [say] = of(conductor.handle(Control("repeat", audio_s=1.2)), Say)
    assert say.text == "Question number 0?" and conductor.status == "asking"
    conductor.handle(CandidateVoice("hold", audio_s=2.0))
    [close] = of(conductor.handle(Control("next", audio_s=2.5)), CloseAnswer)
    assert close.reason == "next" and conductor.status == "closing"


def test_the_end_of_a_held_reading_starts_listening():
    conductor = asking()
    [say] = of(conductor.handle(Control("repeat", audio_s=0.5)), Say)
    conductor.handle(CandidateVoice("hold", audio_s=1.0))
    assert of(conductor.handle(Spoken(say.ask, audio_s=2.0)), StartAnswer)


def test_the_acknowledgements_are_prepared_once_per_connection_and_the_last_question_prepares_nothing():
    conductor = InterviewConductor(session(2))
    [prepare] = of(conductor.handle(Resumed(session(2))), Prepare)
    assert set(prepare.texts) == {*ACKNOWLEDGEMENTS, CLOSING_REMARK}
    [say] = of(conductor.handle(Control("repeat", audio_s=1.0)), Say)
    assert not of(conductor.handle(Spoken(say.ask, audio_s=2.0)), Prepare)


# -- follow-ups ----------------------------------------------------------------------------------------------------

PROBE = AskedFollowUp(question_id="q0", n=1, text="What did you measure first?", targets="result", reason="no result", after_seq=3)


def answering(max_follow_ups: int = 1) -> InterviewConductor:
    """Listening to question 0 of a session with follow-ups, after two finals."""
    conductor = InterviewConductor(session(max_follow_ups=max_follow_ups))
    [say] = of(conductor.handle(Resumed(session(max_follow_ups=max_follow_ups))), Say)
    conductor.handle(Spoken(say.ask, audio_s=2.0))
    conductor.handle(Heard(True, 3.0, said(("We", 3.2), ("shipped", 3.5), ("it.", 3.8)), 4.0))
    conductor.handle(Heard(True, 5.0, said(("It", 5.2), ("went", 5.5), ("well.", 5.8)), 6.0))
    return conductor


def test_an_answers_end_asks_whether_to_follow_up_with_what_was_said():
    conductor = answering()
    [decide] = conductor.handle(TurnEnded(7.0))
    assert isinstance(decide, DecideFollowUp) and conductor.status == "deciding"
    assert decide.question.id == "q0" and decide.answer_text == "We shipped it. It went well." and decide.asked == ()
    assert decide.max_follow_ups == 1


def test_no_follow_up_closes_the_answer_as_silence_did_before():
    conductor = answering()
    [decide] = conductor.handle(TurnEnded(7.0))
    actions = conductor.handle(FollowUpDecided(decide.token, None))
    assert of(actions, CloseAnswer) == [CloseAnswer(0, "q0", "silence")]
    assert [s.text for s in of(actions, Say)][0] in ACKNOWLEDGEMENTS
    assert conductor.status == "closing"


def test_a_follow_up_is_asked_under_the_same_question_and_its_answer_listened_to():
    conductor = answering()
    [decide] = conductor.handle(TurnEnded(7.0))
    after = session(max_follow_ups=1, follow_ups=[PROBE])
    actions = conductor.handle(FollowUpDecided(decide.token, PROBE, after))
    [shown] = sent(actions, msg.FollowUpOut)
    assert (shown.question_id, shown.n, shown.text, shown.after_seq, shown.index) == ("q0", 1, PROBE.text, 3, 0)
    [say] = of(actions, Say)
    assert say.text == PROBE.text and not say.queued and conductor.status == "asking"
    assert of(actions, CloseAnswer) == [] and of(actions, OpenAnswer) == []  # the answer stays open
    listened = conductor.handle(Spoken(say.ask, audio_s=9.0))
    assert conductor.status == "listening" and of(listened, StartAnswer)
    assert conductor.question_for(12.0) == 0  # the follow-up's answer belongs to the question


def test_the_follow_up_limit_closes_the_next_end_and_the_exchange_is_whole():
    conductor = answering()
    [decide] = conductor.handle(TurnEnded(7.0))
    [say] = of(conductor.handle(FollowUpDecided(decide.token, PROBE, session(max_follow_ups=1, follow_ups=[PROBE]))), Say)
    conductor.handle(Spoken(say.ask, audio_s=9.0))
    conductor.handle(Heard(True, 10.0, said(("Errors", 10.2), ("halved.", 10.6)), 11.0))
    actions = conductor.handle(TurnEnded(12.0))  # one follow-up allowed and asked: move on
    assert of(actions, CloseAnswer) == [CloseAnswer(0, "q0", "silence")]


def test_two_follow_ups_allowed_the_second_decision_knows_the_first():
    conductor = answering(max_follow_ups=2)
    [decide] = conductor.handle(TurnEnded(7.0))
    [say] = of(conductor.handle(FollowUpDecided(decide.token, PROBE, session(max_follow_ups=2, follow_ups=[PROBE]))), Say)
    conductor.handle(Spoken(say.ask, audio_s=9.0))
    conductor.handle(Heard(True, 10.0, said(("Errors", 10.2), ("halved.", 10.6)), 11.0))
    [again] = conductor.handle(TurnEnded(12.0))
    assert isinstance(again, DecideFollowUp) and again.asked == (PROBE,)
    assert again.answer_text == "We shipped it. It went well. Errors halved."


def test_no_follow_ups_when_the_session_allows_none():
    conductor = answering(max_follow_ups=0)
    assert of(conductor.handle(TurnEnded(7.0)), CloseAnswer) == [CloseAnswer(0, "q0", "silence")]


def test_speaking_on_while_deciding_goes_back_to_listening_and_the_late_decision_is_ignored():
    conductor = answering()
    [decide] = conductor.handle(TurnEnded(7.0))
    conductor.handle(Heard(False, 7.5, said(("And", 7.7)), 7.8))
    assert conductor.status == "listening"
    assert conductor.handle(FollowUpDecided(decide.token, PROBE, None)) == []
    assert conductor.status == "listening"


def test_next_while_deciding_closes_at_once():
    conductor = answering()
    [decide] = conductor.handle(TurnEnded(7.0))
    actions = conductor.handle(Control("next", 7.2))
    assert of(actions, CloseAnswer) == [CloseAnswer(0, "q0", "next")]
    assert conductor.handle(FollowUpDecided(decide.token, PROBE, None)) == []  # too late: the answer is closing


def test_a_resumed_interview_shows_its_follow_ups_again_and_builds_on_what_was_said():
    stored = session(max_follow_ups=2, follow_ups=[PROBE])
    conductor = InterviewConductor(stored)
    actions = conductor.handle(Resumed(stored, answer_under_way=True, audio_s=0.0, answer_so_far="We shipped it."))
    [shown] = sent(actions, msg.FollowUpOut)
    assert shown.n == 1 and shown.text == PROBE.text
    assert of(actions, Say) == [] and conductor.status == "listening"  # not read out again
    [decide] = conductor.handle(TurnEnded(3.0))
    assert decide.answer_text == "We shipped it." and decide.asked == (PROBE,)
