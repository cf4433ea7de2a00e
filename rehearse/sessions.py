"""Session lifecycle over the ports: create, read, record final segments, close answers, end the interview."""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from typing import Any

from pydantic import BaseModel, Field, ValidationError, model_validator

from rehearse.errors import ConcurrencyConflict, InvalidRequest, UnknownSession
from rehearse.events import QUEUE_FOR, AnswerCompleted, InterviewEnded
from rehearse.model import Question, Segment, Session, SessionStatus, utc_now
from rehearse.ports import Publisher, Queue, Store
from rehearse.question_bank import QuestionBank

log = logging.getLogger("rehearse.sessions")

SESSIONS = "sessions"
SEGMENTS = "segments"
MAX_QUESTIONS = 20


class _QuestionIn(BaseModel):
    text: str = Field(min_length=1, max_length=1000)
    key_points: list[str] = Field(default_factory=list, max_length=20)


class CreateSessionRequest(BaseModel):
    """Body of POST /api/sessions: a role from the bank, or the caller's own questions."""

    role: str | None = Field(default=None, max_length=64)
    question_count: int = Field(default=5, ge=1, le=10)
    questions: list[_QuestionIn] | None = Field(default=None, min_length=1, max_length=MAX_QUESTIONS)

    @model_validator(mode="after")
    def _one_source(self) -> CreateSessionRequest:
        if (self.role is None) == (self.questions is None):
            raise ValueError("give exactly one of 'role' or 'questions'")
        return self


def parse_create_request(body: Any) -> CreateSessionRequest:
    try:
        return CreateSessionRequest.model_validate(body)
    except ValidationError as exc:
        raise InvalidRequest(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "body"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


class Sessions:
    """The interview's bookkeeping. Every write goes to the Store before anything is announced."""

    def __init__(self, store: Store, bank: QuestionBank, publisher: Publisher | None = None, queue: Queue | None = None) -> None:
        self._store = store
        self._bank = bank
        self._publisher = publisher
        self._queue = queue

    async def create(self, request: CreateSessionRequest, candidate_id: str = "anonymous") -> Session:
        if request.role is not None:
            questions = self._bank.questions_for(request.role, request.question_count)
        else:
            questions = [
                Question(id=f"q{i + 1}", index=i, text=q.text.strip(), key_points=q.key_points)
                for i, q in enumerate(request.questions or [])
            ]
        session = Session(
            session_id="s_" + secrets.token_hex(12), candidate_id=candidate_id, role=request.role, questions=questions
        )
        await self._store.upsert(SESSIONS, session.session_id, session.session_id, session.model_dump(mode="json"))
        return session

    async def get(self, session_id: str) -> Session:
        found = await self._store.get(SESSIONS, session_id, session_id)
        if found is None:
            raise UnknownSession(f"no session {session_id!r}")
        return Session.model_validate(found[0])

    async def transcript(self, session_id: str) -> list[Segment]:
        docs = await self._store.list(SEGMENTS, session_id)
        return sorted((Segment.model_validate(d) for d in docs), key=lambda s: s.seq)

    async def _update(self, session_id: str, change) -> Session:
        """Read-modify-write with etag concurrency; retried when another writer got there first."""
        for attempt in range(50):
            found = await self._store.get(SESSIONS, session_id, session_id)
            if found is None:
                raise UnknownSession(f"no session {session_id!r}")
            session = Session.model_validate(found[0])
            changed = change(session)
            if changed is None:
                return session
            try:
                await self._store.upsert(
                    SESSIONS, session_id, session_id, changed.model_dump(mode="json"), if_match=found[1]
                )
                return changed
            except ConcurrencyConflict:
                await asyncio.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))
        raise ConcurrencyConflict(f"session {session_id!r} kept changing; try again")

    async def open_connection(self, session_id: str) -> Session:
        """A relay connection starts: count it and mark the session live. Ended sessions stay ended."""

        def change(s: Session) -> Session | None:
            if s.is_ended:
                return None
            return s.model_copy(update={"status": SessionStatus.live, "connections": s.connections + 1})

        session = await self._update(session_id, change)
        if not session.is_ended:
            await self._publish(session_id, {"type": "session.live", "current_question": session.current_question})
        return session

    async def next_seq(self, session_id: str) -> int:
        """Reserve the next transcript sequence number (persisted, so a restarted relay never reuses one)."""
        session = await self._update(session_id, lambda s: s.model_copy(update={"last_seq": s.last_seq + 1}))
        return session.last_seq

    async def record_segment(self, segment: Segment) -> Segment:
        """Persist a final segment. Idempotent: the same phrase keeps its id and its first sequence number."""
        existing = await self._store.get(SEGMENTS, segment.session_id, segment.segment_id)
        if existing is not None:
            return Segment.model_validate(existing[0])
        await self._store.upsert(SEGMENTS, segment.session_id, segment.segment_id, segment.model_dump(mode="json"))
        return segment

    async def close_answer(self, session_id: str, question_index: int, reason: str) -> Session:
        """Close the answer to question_index and move on; ends the session after the last question.

        Idempotent: closing an answer that is already closed changes nothing."""

        def change(s: Session) -> Session | None:
            if s.is_ended or s.current_question != question_index:
                return None
            closed = [*s.closed_questions, s.questions[question_index].id]
            following = question_index + 1
            if following >= len(s.questions) or reason == "end":
                return s.model_copy(
                    update={"status": SessionStatus.ended, "ended_at": utc_now(), "current_question": len(s.questions), "closed_questions": closed}
                )
            return s.model_copy(update={"current_question": following, "status": SessionStatus.live, "closed_questions": closed})

        before = await self.get(session_id)
        session = await self._update(session_id, change)
        question = before.question_at(question_index)
        if question is not None and session.current_question != before.current_question:
            segments = [seg.segment_id for seg in await self.transcript(session_id) if seg.question_id == question.id]
            completed = AnswerCompleted(session_id=session_id, question_id=question.id, segment_ids=segments, reason=reason)
            await self._enqueue(completed)
            await self._publish(session_id, {"type": "answer.completed", "question_id": question.id, "segment_ids": segments, "reason": reason})
            if session.is_ended:
                await self._enqueue(InterviewEnded(session_id=session_id))
                await self._publish(session_id, {"type": "session.ended"})
        return session

    async def _enqueue(self, event: AnswerCompleted | InterviewEnded) -> None:
        if self._queue is not None:
            await self._queue.send(QUEUE_FOR[event.type], event.model_dump(mode="json"))

    async def _publish(self, session_id: str, event: dict[str, Any]) -> None:
        """Live notifications are best effort: the queue carries what matters, and the page re-reads on resume."""
        if self._publisher is None:
            return
        try:
            await self._publisher.publish(session_id, {"v": 1, "session_id": session_id, **event})
        except Exception:
            log.warning("session %s: could not publish %s", session_id, event.get("type"), exc_info=True)
