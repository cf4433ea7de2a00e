"""Each candidate's past interviews: an index in the Store (container "history", partitioned by candidate id, one
document per session) and the rows GET /api/history shows.

Scores are read at list time from the session and its report, not copied into the index: the report is rewritten
when a late summary arrives and a session changes status as it runs, so a copy would need a second writer to keep
it true; reading costs two point reads per interview, done concurrently."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from pydantic import BaseModel, ValidationError

from rehearse.domain.analysis_model import DIMENSIONS, SCHEMA_VERSION, ConfidenceLevel, Dimension, Report
from rehearse.domain.documents import report_id
from rehearse.domain.model import Session
from rehearse.ports import Store

log = logging.getLogger("rehearse.app.history")

HISTORY = "history"
REPORTS = "reports"  # written by finalize_report (rehearse/app/feedback_pipeline.py)
SESSIONS = "sessions"  # rehearse/app/sessions.py (which imports this module)
MAX_LISTED = 200
_CONCURRENT_READS = 16
_JOB_TITLE_CHARS = 120


class HistoryEntry(BaseModel):
    """One interview in its candidate's index. Stored under the candidate's partition with the session id as its id."""

    v: int = SCHEMA_VERSION
    session_id: str
    candidate_id: str
    created_at: datetime
    role: str | None = None
    job_title: str | None = None  # the job description's first line, when the questions were tailored to one
    question_count: int = 0


class DimensionResult(BaseModel):
    score: int
    level: ConfidenceLevel


class PastInterview(BaseModel):
    """A row of GET /api/history (docs/protocol.md); the edge adds a fresh session token to each."""

    session_id: str
    role: str | None
    job_title: str | None
    created_at: datetime
    ended_at: datetime | None
    status: str
    question_count: int
    answered_count: int  # the questions answered with words (a closed question nothing was said to does not count)
    report_ready: bool
    overall: int | None = None
    scores: dict[Dimension, DimensionResult] | None = None
    evaluator: str | None = None


def job_title(job_description: str | None) -> str | None:
    if not job_description:
        return None
    first = next((line.strip() for line in job_description.splitlines() if line.strip()), "")
    return first[:_JOB_TITLE_CHARS] or None


def entry_for(session: Session, job_description: str | None = None) -> HistoryEntry:
    return HistoryEntry(
        session_id=session.session_id,
        candidate_id=session.candidate_id,
        created_at=session.created_at,
        role=session.role,
        job_title=job_title(job_description),
        question_count=len(session.questions),
    )


async def record(store: Store, entry: HistoryEntry) -> None:
    await store.upsert(HISTORY, entry.candidate_id, entry.session_id, entry.model_dump(mode="json"))


async def has_entry(store: Store, candidate_id: str, session_id: str) -> bool:
    return await store.get(HISTORY, candidate_id, session_id) is not None


async def forget(store: Store, candidate_id: str, session_id: str) -> None:
    await store.delete(HISTORY, candidate_id, session_id)


async def past_interviews(store: Store, candidate_id: str, limit: int = 50) -> list[PastInterview]:
    """The candidate's interviews, newest first. An entry whose session is gone (being deleted) is left out."""
    entries = [HistoryEntry.model_validate(d) for d in await store.list(HISTORY, candidate_id)]
    entries.sort(key=lambda e: (e.created_at, e.session_id), reverse=True)
    gate = asyncio.Semaphore(_CONCURRENT_READS)

    async def read(entry: HistoryEntry) -> PastInterview | None:
        async with gate:
            return await _past_interview(store, entry)

    rows = await asyncio.gather(*(read(e) for e in entries[: max(1, min(limit, MAX_LISTED))]))
    return [row for row in rows if row is not None]


async def _past_interview(store: Store, entry: HistoryEntry) -> PastInterview | None:
    sid = entry.session_id
    found, stored_report = await asyncio.gather(store.get(SESSIONS, sid, sid), store.get(REPORTS, sid, report_id(sid)))
    if found is None:
        return None
    session = Session.model_validate(found[0])
    if session.candidate_id != entry.candidate_id:  # never show another candidate's interview, whatever the index says
        log.warning("history entry %s of %s names a session of another candidate; left out", sid, entry.candidate_id)
        return None
    report = _report(stored_report[0]) if stored_report else None
    row = PastInterview(
        session_id=sid,
        role=session.role,
        job_title=entry.job_title,
        created_at=session.created_at,
        ended_at=session.ended_at,
        status=session.status.value,
        question_count=len(session.questions),
        answered_count=_answered(session),
        report_ready=report is not None,
    )
    if report is None:
        return row
    scores = {d: DimensionResult(score=getattr(report.scores, d).score, level=getattr(report.scores, d).level) for d in DIMENSIONS}
    answered = sum(1 for q in report.questions if q.word_count > 0)  # the report's own: it says "no answer" of the others
    return row.model_copy(update={"overall": report.overall, "scores": scores, "evaluator": report.evaluator, "answered_count": answered})


def _answered(session: Session) -> int:
    """The closed questions with words heard; in an older session that did not keep them, every closed question."""
    known = session.answered_questions
    return len(known) if known is not None else len(session.closed_questions)


def _report(document: dict) -> Report | None:
    try:
        return Report.model_validate(document)
    except ValidationError:
        log.warning("report %s does not validate; listed without scores", document.get("id"))
        return None
