"""What each follow-up revealed, in the summary and the report, and how the model is told about them. Every quote is
the candidate's own words."""

from __future__ import annotations

from rehearse.domain.analysis_model import FollowUpNote, FollowUpTurn, JudgedPoint, Judgement, QuestionSummary, Rewrite
from rehearse.feedback.evaluation.judgement import combined_features
from rehearse.feedback.evaluation.prompts import answer_turns, user_message
from rehearse.feedback.evaluation.report import build_report
from rehearse.feedback.evaluation.summary import ADDED_LITTLE, BULLET_CHARS, MAX_BULLETS, NO_FOLLOW_UP_ANSWER, summarize_question
from tests.evaluation.factories import WEAK_ANSWER, answer, answer_score, evaluation, question, weak_features

CHANGED = "I automated the test suite and moved deploys to a pipeline."
RESULT = "As a result releases went from two weeks to three days."


def asked(before: str, n: int = 1, targets: str = "key_point:what you changed", text: str = "What did you change yourself?") -> FollowUpTurn:
    return FollowUpTurn(n=n, text=text, targets=targets, from_word=len(before.split()), from_char=len(before) + 1)


def with_follow_ups(after: str, *turns: FollowUpTurn):
    a = answer(f"{WEAK_ANSWER} {after}".strip())
    return a.model_copy(update={"follow_ups": list(turns)})


def made_after(n: int = 1):
    """The weak answer's features with 'what you changed' made only in the answer to follow-up n."""
    features = weak_features()
    points = [features.key_points[0], features.key_points[1].model_copy(
        update={"covered": True, "state": "covered", "probability": 0.9, "best_sentence": CHANGED, "after_follow_up": n})]  # fmt: skip
    return features.model_copy(update={"key_points": points})


def assert_said(text: str, answer_text: str) -> None:
    """The quote in `text` (between double quotes) is the candidate's own words."""
    quoted = text.split('"')[-2]
    assert quoted.rstrip("…") in answer_text


def test_a_follow_up_that_drew_out_its_key_point_says_so_with_the_candidates_words():
    a = with_follow_ups(CHANGED, asked(WEAK_ANSWER))
    score = answer_score(made_after(1))
    summary = summarize_question("s1", question(), score, None, a)

    [note] = summary.follow_ups
    assert note == FollowUpNote(n=1, text="What did you change yourself?", targets="key_point:what you changed",
                                revealed=f'Made "what you changed" after the prompt: "{CHANGED.rstrip(".")}"')  # fmt: skip
    assert_said(note.revealed, a.text)
    bullet = next(b for b in summary.bullets if "follow-up" in b)
    assert bullet.startswith("Only after a follow-up: 'I automated the test suite") and len(bullet) < BULLET_CHARS


def test_a_follow_up_with_no_answer_says_so():
    a = with_follow_ups("", asked(WEAK_ANSWER))
    summary = summarize_question("s1", question(), answer_score(), None, a)
    assert [n.revealed for n in summary.follow_ups] == [NO_FOLLOW_UP_ANSWER]
    assert "The follow-up went unanswered: 'What did you change yourself?'." in summary.bullets


def test_a_follow_up_that_added_nothing_new_says_little_was_added():
    a = with_follow_ups("Yes, it was a team effort, we all worked hard on it.", asked(WEAK_ANSWER))
    summary = summarize_question("s1", question(), answer_score(), None, a)
    assert [n.revealed for n in summary.follow_ups] == [ADDED_LITTLE]
    assert any(b.startswith("The follow-up 'What did you change yourself?' added little") for b in summary.bullets)


def test_a_result_given_only_when_asked():
    a = with_follow_ups(RESULT, asked(WEAK_ANSWER, targets="result", text="What changed, in numbers?"))
    star = weak_features().star.model_copy(update={"result": True, "evidence": {"result": RESULT}, "after_follow_up": {"result": 1}})
    summary = summarize_question("s1", question(), answer_score(weak_features(star=star)), None, a)
    [note] = summary.follow_ups
    assert note.revealed.startswith('Gave the result after the prompt: "As a result releases went from two weeks')
    assert_said(note.revealed, a.text)


def test_each_follow_up_gets_its_own_note_from_the_words_said_after_it():
    first = f"{WEAK_ANSWER} {CHANGED}"
    a = with_follow_ups(f"{CHANGED} {RESULT}", asked(WEAK_ANSWER), asked(first, n=2, targets="result", text="And the result?"))
    summary = summarize_question("s1", question(), answer_score(made_after(1)), None, a)
    assert [n.n for n in summary.follow_ups] == [1, 2]
    assert summary.follow_ups[0].revealed.startswith('Made "what you changed"')
    assert summary.follow_ups[1].revealed.startswith('Gave a measured result after the prompt: "As a result releases went')


def test_the_follow_up_bullet_keeps_the_summary_short_and_its_try_line():
    a = with_follow_ups(CHANGED, asked(WEAK_ANSWER))
    rewrite = Rewrite(original="We rewrote the deploy scripts.", improved="I rewrote the deploy scripts.")
    e = evaluation(strengths=["One.", "Two."], improvements=["Three.", "Four."], rewrite=rewrite)
    summary = summarize_question("s1", question(), answer_score(made_after(1)), e, a)
    assert len(summary.bullets) == MAX_BULLETS and summary.bullets[-1].startswith("Try:")
    assert summary.bullets[2].startswith("Only after a follow-up")


def test_without_follow_ups_the_summary_is_unchanged():
    score = answer_score()
    assert summarize_question("s1", question(), score, None, answer()) == summarize_question("s1", question(), score, None)
    assert summarize_question("s1", question(), score, None, answer()).follow_ups == []


def test_the_report_row_shows_the_follow_ups_from_the_summary():
    notes = [FollowUpNote(n=1, text="What did you change?", targets="key_point:what you changed", revealed="Added little after the prompt")]
    summaries = [QuestionSummary(id="s1.q1.summary", session_id="s1", question_id="q1", question_index=0, question_text="Q",
                                 bullets=["a"], follow_ups=notes)]  # fmt: skip
    questions = [question("q1", 0), question("q2", 1)]
    scores = [answer_score(question_id="q1"), answer_score(question_id="q2", index=1)]
    report = build_report("s1", questions, scores, [], {}, summaries=summaries)
    rows = {q.question_id: q for q in report.questions}
    assert rows["q1"].follow_ups == notes and rows["q2"].follow_ups == []
    assert build_report("s1", questions, scores, [], {}).questions[0].follow_ups == []


def test_the_model_sees_each_follow_up_and_the_words_said_after_it_apart():
    a = with_follow_ups(CHANGED, asked(WEAK_ANSWER))
    turns = answer_turns(a)
    assert [(t.n if t else 0, said) for t, said in turns] == [(0, WEAK_ANSWER), (1, CHANGED)]
    message = user_message(a, answer_score(made_after(1)))
    assert 'The interviewer then asked follow-up 1 (it targets: key_point:what you changed): "What did you change yourself?"' in message
    assert f"The candidate's answer to follow-up 1, between the markers:\n<<<\n{CHANGED}\n>>>" in message
    assert '"only_after_follow_up": 1' in message


def test_without_follow_ups_the_model_sees_one_transcript():
    message = user_message(answer(), answer_score())
    assert f"Transcript of the candidate's answer, between the markers:\n<<<\n{WEAK_ANSWER}\n>>>" in message
    assert "follow-up" not in message and "after_follow_up" not in message


def test_a_point_the_model_quotes_from_the_answer_to_a_follow_up_is_prompted():
    a = with_follow_ups(CHANGED, asked(WEAK_ANSWER))
    judged = Judgement(answers_question="yes", key_points=[
        JudgedPoint(point="what you changed", covered=True, quote="automated the test suite"),
        JudgedPoint(point="the problem you found", covered=True, quote="our releases took two weeks"),
    ])  # fmt: skip
    points = {kp.point: kp for kp in combined_features(weak_features(), judged, a).key_points}
    assert points["what you changed"].after_follow_up == 1
    assert points["the problem you found"].after_follow_up == 0
