"""A closed question's summary: 3-5 short bullets saying what was strong, what to improve and one sentence to try,
and what each follow-up the interviewer asked revealed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rehearse.domain.analysis_model import (
    DIMENSIONS,
    AnswerFeatures,
    AnswerScore,
    AnswerText,
    Evaluation,
    FollowUpNote,
    FollowUpTurn,
    QuestionSummary,
    Rewrite,
)
from rehearse.domain.documents import summary_id
from rehearse.domain.follow_ups import OWNERSHIP, RESULT, SPECIFICS, targeted_point
from rehearse.domain.model import Question
from rehearse.feedback.evaluation.deterministic import weakest_dimension
from rehearse.feedback.evaluation.wording import quote, shorten
from rehearse.feedback.scoring.features import TextAnalysis, analyse_text
from rehearse.feedback.scoring.star import first_person_action
from rehearse.feedback.scoring.text import Sentence, is_number

BULLET_CHARS = 120  # every bullet is shorter than this
MAX_BULLETS = 5
NO_ANSWER = "No answer was recorded for this question."
NO_FOLLOW_UP_ANSWER = "No answer to the follow-up"
ADDED_LITTLE = "Added little after the prompt"
_QUOTE_WORDS = 12
_BULLET_QUOTE_WORDS = 8
_EXAMPLE_IN_PLACEHOLDER = re.compile(r"\[([^\]]*?), e\.g\. [^\]]*\]")


def answered(score: AnswerScore | None) -> bool:
    return score is not None and score.features.word_count > 0


def _bullet(text: str) -> str:
    return shorten(" ".join(text.split()), BULLET_CHARS)


def try_bullet(rewrite: Rewrite) -> str:
    """'Try: <the improved sentence>'; a long placeholder loses its example so the sentence itself fits."""
    text = f"Try: {rewrite.improved}"
    if len(text) >= BULLET_CHARS:
        text = _EXAMPLE_IN_PLACEHOLDER.sub(r"[\1]", text)
    return _bullet(text)


def _from_scores(score: AnswerScore) -> tuple[list[str], list[str]]:
    """Without an evaluation: the strongest and weakest dimensions, with the rubric's own evidence."""
    weakest = weakest_dimension(score.scores)
    strongest = max(DIMENSIONS, key=lambda d: (getattr(score.scores, d).score, -DIMENSIONS.index(d)))

    def line(label: str, dimension: str) -> str:
        result = getattr(score.scores, dimension)
        evidence = f": {result.evidence[0]}" if result.evidence else ""
        return f"{label} {dimension}, {result.score}/100{evidence}."

    return [line("Strongest:", strongest)], [line("Work on", weakest)]


def _no_answer_bullets(question: Question) -> list[str]:
    bullets = [NO_ANSWER, "Next time, answer even briefly: the context, what you did, and the result."]
    if question.key_points:
        bullets.append(f"Points to cover: {', '.join(question.key_points[:3])}.")
    else:
        bullets.append("Start with one sentence that answers the question directly.")
    return [_bullet(b) for b in bullets]


def _answer_bullets(
    strong: list[str], improve: list[str], rewrite: Rewrite | None, score: AnswerScore, follow_up: str | None = None
) -> list[str]:
    relevance = score.features.relevance
    if relevance is not None and relevance.state == "off_topic":
        # The most important thing first: praise for delivery must not open the summary of an answer to another question.
        bullets = [_bullet(s) for s in improve[:2]] + [_bullet(s) for s in strong[:1]]
    else:
        # With a follow-up's bullet, one improvement less: the summary stays at five bullets with its "Try:" line.
        bullets = [_bullet(s) for s in strong[:2]] + [_bullet(s) for s in improve[: 1 if follow_up and rewrite else 2]]
    if follow_up:
        bullets.insert(min(2, len(bullets)), _bullet(follow_up))
    if rewrite is not None:
        bullets.append(try_bullet(rewrite))
    if len(bullets) < 3:
        bullets.append(_bullet(f"Overall {score.overall}/100; work on {weakest_dimension(score.scores)} first."))
    if len(bullets) < 3:
        bullets.append("Practise this question again, out loud, with a timer.")
    return list(dict.fromkeys(bullets))[:MAX_BULLETS]  # no bullet twice, order kept


# -- follow-ups --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Revealed:
    line: str  # the note's `revealed`
    said: str = ""  # the candidate's words it quotes, when it revealed something


def _follow_ups(answer: AnswerText | None, score: AnswerScore | None) -> list[tuple[FollowUpNote, _Revealed]]:
    """One note per follow-up asked during the answer: what it asked, what it targeted, and what the words said after
    it (until the next one) added, quoting only the candidate."""
    if answer is None or not answer.follow_ups:
        return []
    analysis = analyse_text(answer)
    transcript = analysis.transcript
    features = score.features if score is not None else None
    out = []
    for turn in sorted(answer.follow_ups, key=lambda t: t.n):
        said = [
            s for s in transcript.sentences
            if transcript.sentence_after_follow_up(s) == turn.n and any(not t.is_hesitation for t in transcript.in_sentence(s))
        ]  # fmt: skip
        revealed = _revealed(turn, said, analysis, features)
        out.append((FollowUpNote(n=turn.n, text=turn.text, targets=turn.targets, revealed=revealed.line), revealed))
    return out


def _revealed(turn: FollowUpTurn, said: list[Sentence], analysis: TextAnalysis, features: AnswerFeatures | None) -> _Revealed:
    """What the answer to the follow-up added, most telling first: the point it targeted now made, the result, a
    number or the candidate's own part when it asked for them, another point made; else that it added little."""
    if not said:
        return _Revealed(NO_FOLLOW_UP_ANSWER)
    transcript = analysis.transcript
    indices = {s.index for s in said}
    made = [kp for kp in features.key_points if kp.after_follow_up == turn.n and kp.state == "covered"] if features else []
    targeted = (targeted_point(turn.targets) or "").strip().lower()
    if hit := next((kp for kp in made if targeted and kp.point.strip().lower() == targeted), None):
        return _note(f'Made "{_point(hit.point)}" after the prompt', hit.best_sentence)
    if turn.targets in (RESULT, SPECIFICS):
        if features is not None and features.star.after_follow_up.get("result") == turn.n and turn.targets == RESULT:
            return _note("Gave the result after the prompt", features.star.evidence.get("result", ""))
        measured = next((r for r in analysis.quantified_results if r.sentence in indices), None)
        if measured is not None:
            return _note("Gave a measured result after the prompt", measured.quote)
    if turn.targets == SPECIFICS:
        numbered = next((s for s in said if any(is_number(transcript.tokens, i) for i in range(s.first, s.last + 1))), None)
        if numbered is not None:
            return _note("Gave specifics after the prompt", numbered.text)
    if turn.targets == OWNERSHIP:
        own = next((s for s in said if first_person_action(analysis.norms[s.index], who=("i",)) is not None), None)
        if own is not None:
            return _note("Named their own part after the prompt", own.text)
    if made:
        kp = max(made, key=lambda kp: kp.probability)
        return _note(f'Made "{_point(kp.point)}" after the prompt', kp.best_sentence)
    return _Revealed(ADDED_LITTLE)


def _note(line: str, said: str) -> _Revealed:
    words = quote(said, _QUOTE_WORDS)
    return _Revealed(f'{line}: "{words}"', said) if words else _Revealed(line)


def _point(point: str) -> str:
    return shorten(point.strip().rstrip("."), 60)


def _follow_up_bullet(follow_ups: list[tuple[FollowUpNote, _Revealed]]) -> str | None:
    """One bullet for the follow-ups: what the first that drew something out revealed, else that they added little."""
    if not follow_ups:
        return None
    for _, revealed in follow_ups:
        if revealed.said:
            return f"Only after a follow-up: '{quote(revealed.said, _BULLET_QUOTE_WORDS)}'. Next time, say it unprompted."
    note, revealed = follow_ups[0]
    asked = shorten(" ".join(note.text.split()), 60)
    if revealed.line == NO_FOLLOW_UP_ANSWER:
        return f"The follow-up went unanswered: '{asked}'."
    return f"The follow-up '{asked}' added little: answer it with one concrete detail."


def summarize_question(
    session_id: str,
    question: Question,
    score: AnswerScore | None,
    evaluation: Evaluation | None,
    answer: AnswerText | None = None,
) -> QuestionSummary:
    """The question's summary; `answer` (the words and the follow-ups asked) adds what each follow-up revealed."""
    common = {
        "id": summary_id(session_id, question.id),
        "session_id": session_id,
        "question_id": question.id,
        "question_index": question.index,
        "question_text": question.text,
    }
    follow_ups = _follow_ups(answer, score)
    notes = [note for note, _ in follow_ups]
    if score is None or not answered(score):
        return QuestionSummary(**common, bullets=_no_answer_bullets(question), follow_ups=notes)
    strong, improve = (evaluation.strengths, evaluation.improvements) if evaluation else _from_scores(score)
    rewrite = evaluation.rewrite if evaluation else None
    return QuestionSummary(
        **common,
        bullets=_answer_bullets(strong, improve, rewrite, score, _follow_up_bullet(follow_ups)),
        strong=list(strong),
        improve=list(improve),
        rewrite=rewrite,
        overall=score.overall,
        follow_ups=notes,
    )
