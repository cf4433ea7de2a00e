"""Session lifecycle over the ports: create, read, record final segments, close answers, end the interview."""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, StrictBool, StrictInt, ValidationError, model_validator

from rehearse import tracing
from rehearse.app import history
from rehearse.domain.documents import answer_id
from rehearse.domain.errors import ConcurrencyConflict, InvalidRequest, UnknownSession
from rehearse.domain.events import QUEUE_FOR, AnswerCompleted, InterviewEnded
from rehearse.domain.follow_ups import AskedFollowUp
from rehearse.domain.model import Answer, Question, Recording, Segment, Session, SessionStatus, utc_now
from rehearse.domain.notifications import AnswerCompletedNote, SessionDeleted, SessionEnded, SessionLive, wire
from rehearse.domain.parsing import problems
from rehearse.domain.question_bank import QuestionBank
from rehearse.domain.tailoring import MAX_JOB_DESCRIPTION_CHARS, pick_questions
from rehearse.ports import Blobs, Evaluator, Publisher, Queue, Store

log = logging.getLogger("rehearse.app.sessions")

SESSIONS = "sessions"
SEGMENTS = "segments"
ANSWERS = "answers"  # one immutable document per closed answer (rehearse.domain.model.Answer)
RECORDINGS = "recordings"  # the Store container of recorded answers' documents, and the Blobs container of their audio
MAX_QUESTIONS = 20
# Every Store container whose documents are partitioned by session id, and every Blobs container whose blobs are named
# `<session_id>/...`: deleting a session empties each (tests/test_history.py holds them to Cosmos' and Bicep's lists).
# "quotas" holds the session's own counters (audio streamed, LLM calls) under its id; rehearse/app/quotas.py.
SESSION_CONTAINERS = (SESSIONS, SEGMENTS, ANSWERS, RECORDINGS, "scores", "evaluations", "summaries", "reports", "poison", "quotas")
SESSION_BLOB_CONTAINERS = (RECORDINGS, "reports", "diagnostics")


class _QuestionIn(BaseModel):
    # Stripped as create() strips it, before the length check: a blank question is refused here, not later as a Question.
    text: Annotated[str, Field(min_length=1, max_length=1000), BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v)]
    key_points: list[str] = Field(default_factory=list, max_length=20)


class CreateSessionRequest(BaseModel):
    """Body of POST /api/sessions: a role from the bank, a job description (with or without a role), or the caller's own questions."""

    role: str | None = Field(default=None, max_length=64)
    job_description: Annotated[
        str | None, Field(default=None, min_length=1, max_length=MAX_JOB_DESCRIPTION_CHARS), BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v)
    ] = None
    question_count: int = Field(default=5, ge=1, le=10)
    questions: list[_QuestionIn] | None = Field(default=None, min_length=1, max_length=MAX_QUESTIONS)
    record_audio: StrictBool = False  # consent must be an explicit true, never a truthy string
    # Follow-up questions per question (0: none); absent: the deployment's REHEARSE_MAX_FOLLOW_UPS.
    max_follow_ups: StrictInt | None = Field(default=None, ge=0, le=3)

    @model_validator(mode="after")
    def _one_source(self) -> CreateSessionRequest:
        bank = self.role is not None or self.job_description is not None
        if bank == (self.questions is not None):
            raise ValueError("give 'role', 'job_description' or both, or your own 'questions' alone")
        return self


def parse_create_request(body: Any) -> CreateSessionRequest:
    try:
        return CreateSessionRequest.model_validate(body)
    except ValidationError as exc:
        raise InvalidRequest(problems(exc)) from None


class DeletedSession(BaseModel):
    """What deleting a session removed."""

    session_id: str
    documents: int
    blobs: int


class Sessions:
    """The interview's bookkeeping. Every write goes to the Store before anything is announced."""

    def __init__(self, store: Store, bank: QuestionBank, publisher: Publisher | None = None, queue: Queue | None = None) -> None:
        self._store = store
        self._bank = bank
        self._publisher = publisher
        self._queue = queue

    async def create(
        self, request: CreateSessionRequest, candidate_id: str = "anonymous", tailor: Evaluator | None = None, max_follow_ups: int = 1
    ) -> Session:
        """A new session, listed in its candidate's history. With a job description, `tailor` chooses and words the
        questions (the deterministic choice without one). `max_follow_ups`: the default when the request names none."""
        if request.job_description is not None:
            questions = await self._tailored(request, request.job_description, tailor)
        elif request.role is not None:
            questions = self._bank.questions_for(request.role, request.question_count)
        else:
            questions = [
                Question(id=f"q{i + 1}", index=i, text=q.text.strip(), key_points=q.key_points)
                for i, q in enumerate(request.questions or [])
            ]
        session = Session(
            session_id="s_" + secrets.token_hex(12),
            candidate_id=candidate_id,
            role=request.role,
            questions=questions,
            record_audio=request.record_audio,
            max_follow_ups=max_follow_ups if request.max_follow_ups is None else request.max_follow_ups,
        )
        await self._store.upsert(SESSIONS, session.session_id, session.session_id, session.model_dump(mode="json"))
        await history.record(self._store, history.entry_for(session, request.job_description))
        return session

    async def _tailored(self, request: CreateSessionRequest, job_description: str, tailor: Evaluator | None) -> list[Question]:
        roles = [self._bank.role(request.role)] if request.role is not None else self._bank.roles()
        candidates = [q for r in roles for q in r.questions]
        role_of = {q.id: f"{r.title}: {r.description}" for r in roles for q in r.questions}
        count = min(request.question_count, len(candidates))
        chosen = await tailor.tailor_questions(job_description, candidates, count, role_of) if tailor is not None else []
        known = {q.id for q in candidates}
        if len(chosen) != count or len({q.id for q in chosen}) != count or not {q.id for q in chosen} <= known:
            if tailor is not None:
                log.warning("the evaluator's tailoring broke the port's contract; the deterministic choice is used")
            chosen = await asyncio.to_thread(pick_questions, job_description, candidates, count, role_of)
        return [q.model_copy(update={"index": i}) for i, q in enumerate(chosen)]

    async def get(self, session_id: str) -> Session:
        found = await self._store.get(SESSIONS, session_id, session_id)
        if found is None:
            raise UnknownSession(f"no session {session_id!r}")
        return Session.model_validate(found[0])

    async def transcript(self, session_id: str) -> list[Segment]:
        docs = await self._store.list(SEGMENTS, session_id)
        return sorted((Segment.model_validate(d) for d in docs), key=lambda s: s.seq)

    async def save_recording(self, recording: Recording) -> None:
        """Record where an answer's audio is and how long it is so far; rewritten as the recording grows."""
        await self._store.upsert(RECORDINGS, recording.session_id, recording.name, recording.model_dump(mode="json"))

    async def recordings(self, session_id: str) -> list[Recording]:
        docs = await self._store.list(RECORDINGS, session_id)
        return sorted((Recording.model_validate(d) for d in docs), key=lambda r: (r.connection, r.start))

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
            await self._publish(SessionLive(session_id=session_id, current_question=session.current_question))
        return session

    async def record_follow_up(self, session_id: str, asked: AskedFollowUp) -> Session:
        """Keep a follow-up with the session before it is said, so a resumed interview neither loses nor repeats it.
        Idempotent: the question's n-th follow-up is recorded once; the first recorded wins."""

        def change(s: Session) -> Session | None:
            if any(f.question_id == asked.question_id and f.n == asked.n for f in s.follow_ups):
                return None
            return s.model_copy(update={"follow_ups": [*s.follow_ups, asked]})

        return await self._update(session_id, change)

    async def transcript_writer(
        self, session_id: str, claim: Claim | None = None, in_flight: Callable[[int], Awaitable[bool]] | None = None
    ) -> TranscriptWriter:
        """The writer of one relay connection's finals, numbering on from the stored transcript (read once).

        `claim` numbers each final where several connections may write (the relay's lease: media_relay/ownership.py);
        without it the writer counts on in memory. `in_flight(highest stored seq)` says whether a final claimed before
        is still being written: the transcript is read once it has landed."""
        existing = await self.transcript(session_id)
        while in_flight is not None and await in_flight(max((s.seq for s in existing), default=0)):
            await asyncio.sleep(0.05)
            existing = await self.transcript(session_id)
        last_seq = max((s.seq for s in existing), default=0)
        return TranscriptWriter(self._store, session_id, last_seq, {s.segment_id: s for s in existing}, claim)

    async def answer(self, session_id: str, question_id: str) -> Answer | None:
        found = await self._store.get(ANSWERS, session_id, answer_id(session_id, question_id))
        return Answer.model_validate(found[0]) if found else None

    async def close_answer(self, session_id: str, question_index: int, reason: str) -> Session:
        """Close the answer to question_index and move on; ends the session after the last question.

        The answer's document (its question and finals) is written once, before the session says it is closed, and
        `answer.completed` names it. Idempotent: closing an answer that is already closed changes nothing. Store
        operations: read the session, list the transcript, write the answer, write the session (4)."""
        with tracing.span("session.close_answer", session_id, question_index=question_index, reason=reason):
            for attempt in range(50):
                found = await self._store.get(SESSIONS, session_id, session_id)
                if found is None:
                    raise UnknownSession(f"no session {session_id!r}")
                before = Session.model_validate(found[0])
                question = before.question_at(question_index)
                if before.is_ended or before.current_question != question_index or question is None:
                    return before
                segments = [s for s in await self.transcript(session_id) if s.question_id == question.id]
                answer = Answer(answer_id=answer_id(session_id, question.id), session_id=session_id, role=before.role,
                                question=question, segments=segments, follow_ups=before.follow_ups_for(question.id),
                                reason=reason)  # fmt: skip
                await self._store.upsert(ANSWERS, session_id, answer.answer_id, answer.model_dump(mode="json"))
                closed = [*before.closed_questions, question.id]
                answered = before.answered_questions
                if answered is not None and answer.heard_words:
                    answered = [*answered, question.id]
                if question_index + 1 >= len(before.questions) or reason == "end":
                    update = {"status": SessionStatus.ended, "ended_at": utc_now(), "current_question": len(before.questions)}
                else:
                    update = {"current_question": question_index + 1, "status": SessionStatus.live}
                session = before.model_copy(update={**update, "closed_questions": closed, "answered_questions": answered})
                try:
                    await self._store.upsert(SESSIONS, session_id, session_id, session.model_dump(mode="json"), if_match=found[1])
                    break
                except ConcurrencyConflict:
                    await asyncio.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))
            else:
                raise ConcurrencyConflict(f"session {session_id!r} kept changing; try again")
            ids = [s.segment_id for s in segments]
            completed = AnswerCompleted(session_id=session_id, question_id=question.id, answer_id=answer.answer_id, segment_ids=ids, reason=reason)
            await self._enqueue(completed)
            await self._publish(AnswerCompletedNote(session_id=session_id, question_id=question.id, segment_ids=ids, reason=reason))
            if session.is_ended:
                await self._enqueue(InterviewEnded(session_id=session_id))
                await self._publish(SessionEnded(session_id=session_id))
            return session

    async def delete(self, session_id: str, blobs: Blobs | None = None, candidate_id: str | None = None) -> DeletedSession:
        """Delete everything of the session: its documents in every container, its blobs, its history entry.

        The session document goes first, so writers racing with the deletion find an unknown session (record_segment
        and the feedback handlers then take back what they wrote); the history entry goes last, so that an interrupted
        deletion can be finished by asking again. `candidate_id` names the owner when the session document is already
        gone. UnknownSession when nothing of the session was left."""
        found = await self._store.get(SESSIONS, session_id, session_id)
        owner = Session.model_validate(found[0]).candidate_id if found is not None else candidate_id
        if found is not None:
            await self._publish(SessionDeleted(session_id=session_id))
        documents = await self._store.delete_partition(SESSIONS, session_id)
        others = await asyncio.gather(*(self._store.delete_partition(c, session_id) for c in SESSION_CONTAINERS if c != SESSIONS))
        documents += sum(others)
        removed = 0
        if blobs is not None:
            for container in SESSION_BLOB_CONTAINERS:
                names = await blobs.list(container, f"{session_id}/")
                await asyncio.gather(*(blobs.delete(container, name) for name in names))
                removed += len(names)
        if owner is not None and await history.has_entry(self._store, owner, session_id):
            await history.forget(self._store, owner, session_id)
            documents += 1
        if found is None and documents == 0 and removed == 0:
            raise UnknownSession(f"no session {session_id!r}")
        log.info("session %s deleted: %d documents, %d blobs", session_id, documents, removed)
        return DeletedSession(session_id=session_id, documents=documents, blobs=removed)

    async def _enqueue(self, event: AnswerCompleted | InterviewEnded) -> None:
        if self._queue is not None:
            queue = QUEUE_FOR[event.type]
            with tracing.span("queue.send", event.session_id, kind="producer", queue=queue):
                # the message carries this span's traceparent: the function that handles it continues the trace
                await self._queue.send(queue, tracing.inject(event.model_dump(mode="json")))

    async def _publish(self, note: SessionLive | AnswerCompletedNote | SessionEnded | SessionDeleted) -> None:
        """Live notifications are best effort: the queue carries what matters, and the page re-reads on resume."""
        if self._publisher is None:
            return
        try:
            await self._publisher.publish(note.session_id, wire(note))
        except Exception:
            log.warning("session %s: could not publish %s", note.session_id, note.type, exc_info=True)


Claim = Callable[[int], Awaitable[int]]  # the highest seq a writer knows of -> the seq claimed for its next final


class TranscriptWriter:
    """Persists one relay connection's final segments: one write per phrase plus a check that the session still
    exists, so no phrase rewrites the session document. Sequence numbers continue the stored transcript: claimed one by
    one when a claim is given (several connections of one session may write, each a different number), else counted
    in memory. Recording a phrase again keeps its first number."""

    def __init__(self, store: Store, session_id: str, last_seq: int, recorded: dict[str, Segment], claim: Claim | None = None) -> None:
        self._store = store
        self.session_id = session_id
        self.last_seq = last_seq  # the highest seq this writer knows of
        self._recorded = dict(recorded)
        self._claim = claim
        self._claimed: dict[str, int] = {}  # segment_id -> its seq, kept when its write failed and is tried again

    async def record(self, segment: Segment) -> Segment:
        """Persist a final (its `seq` is assigned here); returns it as stored. LeaseLost from the claim when another
        connection holds the session now."""
        if (earlier := self._recorded.get(segment.segment_id)) is not None:
            return earlier
        seq = self._claimed.get(segment.segment_id)
        if seq is None:
            seq = await self._claim(self.last_seq) if self._claim is not None else self.last_seq + 1
            self._claimed[segment.segment_id] = seq
        self.last_seq = max(self.last_seq, seq)
        segment = segment.model_copy(update={"seq": seq, "session_id": self.session_id})
        with tracing.span("store.record_segment", segment.session_id, segment_id=segment.segment_id, seq=segment.seq):
            await self._store.upsert(SEGMENTS, segment.session_id, segment.segment_id, segment.model_dump(mode="json"))
            if await self._store.get(SESSIONS, segment.session_id, segment.session_id) is None:
                # deleted while this phrase was on its way: take it back rather than leave a transcript behind
                await self._store.delete(SEGMENTS, segment.session_id, segment.segment_id)
                raise UnknownSession(f"session {segment.session_id!r} was deleted")
        self._recorded[segment.segment_id] = segment
        self._claimed.pop(segment.segment_id, None)
        return segment
