"""The feedback pipeline's event handlers, framework-neutral: queue blueprints and the local queue call these.

answer.completed -> score_answer -> answer.scored -> evaluate_answer -> question.closed -> summarize_question
interview.ended (and every summary written after the end) -> finalize_report.
Each handler is idempotent: deterministic document ids, upserts, and work already done is reused."""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any

from rehearse import tracing
from rehearse.app import metered_llm
from rehearse.app.sessions import ANSWERS, SESSIONS
from rehearse.app.world import World
from rehearse.domain.analysis_model import (
    AnswerScore,
    AnswerText,
    Evaluation,
    FollowUpTurn,
    Prosody,
    QuestionSummary,
    Report,
)
from rehearse.domain.documents import answer_id, evaluation_id, score_id
from rehearse.domain.errors import InvalidRequest, UnknownSession
from rehearse.domain.events import QUEUE_FOR, AnswerCompleted, AnswerScored, InterviewEnded, QuestionClosed, parse_event
from rehearse.domain.model import Answer, Segment, Session
from rehearse.domain.notifications import AnswerScoredNote, QuestionSummaryNote, ReportReady, wire

log = logging.getLogger("rehearse.functions")

SCORES, EVALUATIONS, SUMMARIES, REPORTS = "scores", "evaluations", "summaries", "reports"


def answer_text(answer: Answer) -> AnswerText:
    """The closed answer as the scoring core reads it: the whole exchange, the answers to its follow-ups included, with
    where each follow-up's answer begins."""
    ordered = sorted(answer.segments, key=lambda s: s.seq)
    question = answer.question
    text = " ".join(s.text for s in ordered)
    return AnswerText(
        question_text=question.text,
        key_points=question.key_points,
        key_point_examples=question.examples,
        question_id=question.id,
        words=[w for s in ordered for w in s.words],
        text=text,
        fillers=[f for s in ordered for f in s.fillers],
        role=answer.role,
        prosody=_answer_prosody(ordered),
        follow_ups=_follow_up_turns(answer, ordered, len(text)),
    )


def _follow_up_turns(answer: Answer, ordered: list[Segment], text_chars: int) -> list[FollowUpTurn]:
    """Each follow-up asked during the answer and where the words said after it begin: the finals numbered after its
    `after_seq`, as an index into the answer's words and an offset into its text (both joined in seq order)."""
    turns = []
    asked = sorted((f for f in answer.follow_ups if f.question_id == answer.question.id), key=lambda f: f.n)
    for follow_up in asked:
        before = [s for s in ordered if s.seq <= follow_up.after_seq]
        chars = len(" ".join(s.text for s in before)) + (1 if before else 0)  # and the space that joins the next
        turns.append(
            FollowUpTurn(
                n=follow_up.n,
                text=follow_up.text,
                targets=follow_up.targets,
                from_word=sum(len(s.words) for s in before),
                from_char=min(chars, text_chars),
            )
        )
    return turns


def _answer_prosody(segments: list[Segment]) -> Prosody | None:
    """The answer's prosody: each phrase's measures weighted by its length."""
    measured = [(s.prosody, max(s.end - s.start, 0.1)) for s in segments if s.prosody is not None]
    if not measured:
        return None
    total = sum(weight for _, weight in measured)

    def mean(field: str) -> float:
        return round(sum(getattr(p, field) * weight for p, weight in measured) / total, 3)

    return Prosody(**{field: mean(field) for field in Prosody.model_fields})


def _handler(handle):
    """One span per delivery, in the sender's trace when the message carries a traceparent (a trace of its own when
    it does not: older messages, hand-sent ones). A redelivery is another span under the same parent."""
    name = f"function.{handle.__name__}"

    @functools.wraps(handle)
    async def traced(self, message: dict[str, Any]) -> None:
        session_id = message.get("session_id") if isinstance(message, dict) else None
        with tracing.span(name, str(session_id or "unknown"), parent=tracing.extract(message), kind="consumer"):
            try:
                await handle(self, message)
            except UnknownSession as exc:
                # Sessions exist before any of their events, so the session was deleted: retrying cannot help, and a
                # poison entry would keep a trace of it. Acknowledged, dropped, said.
                log.warning("%s: %s; the message is dropped", name, exc.message)

    return traced


class FeedbackPipeline:
    def __init__(self, world: World) -> None:
        self._world = world

    def _expect(self, message: dict[str, Any], kind: type):
        event = parse_event(message)
        if not isinstance(event, kind):
            raise InvalidRequest(f"expected {kind.__name__}, got {event.type}")
        return event

    async def _answer(self, session_id: str, question_id: str) -> Answer:
        """The closed answer's document: one read. (A message sent before answers had documents is answered from the
        session and its transcript, as it was then.)"""
        answer = await self._world.sessions.answer(session_id, question_id)
        if answer is not None:
            return answer
        session = await self._world.sessions.get(session_id)
        question = next((q for q in session.questions if q.id == question_id), None)
        if question is None:
            raise InvalidRequest(f"session {session_id} has no question {question_id}")
        segments = [s for s in await self._world.sessions.transcript(session_id) if s.question_id == question_id]
        return Answer(answer_id=answer_id(session_id, question_id), session_id=session_id, role=session.role, question=question, segments=segments)

    async def _get(self, container: str, session_id: str, doc_id: str) -> dict[str, Any] | None:
        found = await self._world.store.get(container, session_id, doc_id)
        return found[0] if found else None

    async def _put(self, container: str, session_id: str, doc_id: str, model) -> None:
        await self._world.store.upsert(container, session_id, doc_id, model.model_dump(mode="json"))
        if not await self._still_there(session_id):  # deleted meanwhile: take back what was just written
            await self._world.store.delete(container, session_id, doc_id)
            raise UnknownSession(f"session {session_id!r} was deleted")

    async def _still_there(self, session_id: str) -> bool:
        return await self._world.store.get(SESSIONS, session_id, session_id) is not None

    async def _notify(self, note: AnswerScoredNote | QuestionSummaryNote | ReportReady) -> None:
        await self._world.publisher.publish(note.session_id, wire(note))

    async def _next(self, event) -> None:
        queue = QUEUE_FOR[event.type]
        with tracing.span("queue.send", event.session_id, kind="producer", queue=queue):
            await self._world.queue.send(queue, tracing.inject(event.model_dump(mode="json")))

    # -- handlers ----------------------------------------------------------------------------------------------------
    @_handler
    async def score_answer(self, message: dict[str, Any]) -> None:
        from rehearse.feedback.scoring.score import build_answer_score

        event: AnswerCompleted = self._expect(message, AnswerCompleted)
        sid, qid = event.session_id, event.question_id
        doc_id = score_id(sid, qid)
        existing = await self._get(SCORES, sid, doc_id)
        if existing is not None:
            score = AnswerScore.model_validate(existing)
        else:
            answer = await self._answer(sid, qid)
            # CPU work (embeddings, tone) off the event loop: the live path shares it on the embedded default
            score = await asyncio.to_thread(
                build_answer_score, sid, answer.question, answer_text(answer), self._world.embedder, self._world.tone
            )
            await self._put(SCORES, sid, doc_id, score)
        await self._notify(AnswerScoredNote.of(score))
        await self._next(AnswerScored(session_id=sid, question_id=qid, score_id=doc_id))

    @_handler
    async def evaluate_answer(self, message: dict[str, Any]) -> None:
        event: AnswerScored = self._expect(message, AnswerScored)
        sid, qid = event.session_id, event.question_id
        doc_id = evaluation_id(sid, qid)
        stored_evaluation = await self._get(EVALUATIONS, sid, doc_id)
        if stored_evaluation is None:  # an LLM call costs money: never twice
            stored = await self._get(SCORES, sid, event.score_id)
            if stored is None:
                await self._world.sessions.get(sid)  # UnknownSession when the session, and so its score, was deleted
                raise LookupError(f"score {event.score_id} is not stored yet")
            answer = await self._answer(sid, qid)
            evaluation = await metered_llm.evaluate(self._world, sid, answer_text(answer), AnswerScore.model_validate(stored))
            evaluation = evaluation.model_copy(update={"id": doc_id, "session_id": sid, "question_id": qid})
            await self._put(EVALUATIONS, sid, doc_id, evaluation)
        else:
            evaluation = Evaluation.model_validate(stored_evaluation)
        if evaluation.judgement is not None:
            await self._apply_judgement(sid, qid, event.score_id, evaluation)
        await self._next(QuestionClosed(session_id=sid, question_id=qid))

    async def _apply_judgement(self, sid: str, qid: str, doc_id: str, evaluation: Evaluation) -> None:
        """The scores combine the model's judgement with the features (rehearse/feedback/evaluation/judgement.py), once: a
        re-delivered event finds the score judged already and changes nothing."""
        from rehearse.feedback.evaluation.judgement import rescored

        stored = await self._get(SCORES, sid, doc_id)
        if stored is None:
            raise LookupError(f"score {doc_id} is not stored yet")
        score = AnswerScore.model_validate(stored)
        if score.judged_by:
            return
        answer = answer_text(await self._answer(sid, qid))
        assert evaluation.judgement is not None
        judged = await asyncio.to_thread(rescored, score, answer, evaluation.judgement, evaluation.model)
        await self._put(SCORES, sid, doc_id, judged)
        await self._notify(AnswerScoredNote.of(judged))

    @_handler
    async def summarize_question(self, message: dict[str, Any]) -> None:
        from rehearse.feedback.evaluation.summary import summarize_question

        event: QuestionClosed = self._expect(message, QuestionClosed)
        sid, qid = event.session_id, event.question_id
        answer = await self._answer(sid, qid)
        score = await self._get(SCORES, sid, score_id(sid, qid))
        evaluation = await self._get(EVALUATIONS, sid, evaluation_id(sid, qid))
        summary = summarize_question(
            sid,
            answer.question,
            AnswerScore.model_validate(score) if score else None,
            Evaluation.model_validate(evaluation) if evaluation else None,
            answer_text(answer),
        )
        await self._put(SUMMARIES, sid, summary.id, summary)
        await self._notify(QuestionSummaryNote(session_id=sid, summary=summary))
        session = await self._world.sessions.get(sid)
        if session.is_ended and await self._summaries_complete(session):  # the report was waiting for this summary
            await self._next(InterviewEnded(session_id=sid))

    @_handler
    async def finalize_report(self, message: dict[str, Any]) -> None:
        from rehearse.feedback.evaluation.report import build_report

        event: InterviewEnded = self._expect(message, InterviewEnded)
        sid = event.session_id
        session = await self._world.sessions.get(sid)
        if not session.is_ended:
            raise InvalidRequest(f"session {sid} has not ended")
        closed = session.closed_questions
        if not await self._summaries_complete(session):
            return  # the last summary re-sends interview.ended
        questions = [q for q in session.questions if q.id in closed]
        scores = [AnswerScore.model_validate(d) for d in await self._world.store.list(SCORES, sid)]
        evaluations = [Evaluation.model_validate(d) for d in await self._world.store.list(EVALUATIONS, sid)]
        answers = {a["question"]["id"]: Answer.model_validate(a) for a in await self._world.store.list(ANSWERS, sid)}
        words = {q.id: answers[q.id].words if q.id in answers else [] for q in questions}
        summaries = [QuestionSummary.model_validate(d) for d in await self._world.store.list(SUMMARIES, sid)]
        report: Report = build_report(sid, questions, scores, evaluations, words, summaries=summaries)
        await self._put(REPORTS, sid, report.id, report)
        # the report as a file too: what an enterprise exports or archives (Blob Storage in Azure)
        await self._world.blobs.put(REPORTS, f"{sid}/report.json", report.model_dump_json(indent=2).encode(), "application/json")
        if not await self._still_there(sid):
            await self._world.blobs.delete(REPORTS, f"{sid}/report.json")
            raise UnknownSession(f"session {sid!r} was deleted")
        await self._notify(ReportReady(session_id=sid, report=report))

    async def _summaries_complete(self, session: Session) -> bool:
        """Every closed answer has its summary: the report can be built."""
        summarized = {s["question_id"] for s in await self._world.store.list(SUMMARIES, session.session_id)}
        missing = set(session.closed_questions) - summarized
        if missing:
            log.info("report for %s waits for %d summaries", session.session_id, len(missing))
        return not missing

    def subscribe(self, queue) -> None:
        """Bind every handler to its queue on the embedded default's in-process queue."""
        for name, handler in self.handlers().items():
            queue.subscribe(name, handler)

    def handlers(self) -> dict[str, Any]:
        """Queue name -> handler (the blueprints bind the same queue names)."""
        return {
            QUEUE_FOR["answer.completed"]: self.score_answer,
            QUEUE_FOR["answer.scored"]: self.evaluate_answer,
            QUEUE_FOR["question.closed"]: self.summarize_question,
            QUEUE_FOR["interview.ended"]: self.finalize_report,
        }


async def feedback_documents(world: World, session_id: str) -> dict[str, Any]:
    """What the pipeline has written for a session so far, for GET /api/sessions/{id}."""
    store = world.store
    reports = await store.list(REPORTS, session_id)
    return {
        "scores": await store.list(SCORES, session_id),
        "summaries": [QuestionSummary.model_validate(d).model_dump(mode="json") for d in await store.list(SUMMARIES, session_id)],
        "report": reports[0] if reports else None,
    }
