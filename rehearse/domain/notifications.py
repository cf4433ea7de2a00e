"""What the page hears over pub/sub (docs/protocol.md, "Feedback events"): one versioned model per `type`.

These are notifications to browsers. The queue events between the relay and the functions are another contract
(rehearse/domain/events.py): the queue's `answer.scored` names the stored score, the notification carries it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter

from rehearse.domain.analysis_model import AnswerScore, QuestionSummary, Report

V = 1


class _Notification(BaseModel):
    v: int = V
    session_id: str


class SessionLive(_Notification):
    type: Literal["session.live"] = "session.live"
    current_question: int


class AnswerCompletedNote(_Notification):
    type: Literal["answer.completed"] = "answer.completed"
    question_id: str
    segment_ids: list[str] = Field(default_factory=list)
    reason: str


class SessionEnded(_Notification):
    type: Literal["session.ended"] = "session.ended"


class SessionDeleted(_Notification):
    type: Literal["session.deleted"] = "session.deleted"


class AnswerScoredNote(_Notification):
    type: Literal["answer.scored"] = "answer.scored"
    question_id: str
    score: dict[str, Any]  # the score's overall, scores, rubric and question_index

    @classmethod
    def of(cls, score: AnswerScore) -> AnswerScoredNote:
        shown = score.model_dump(mode="json", include={"overall", "scores", "rubric", "question_index"})
        return cls(session_id=score.session_id, question_id=score.question_id, score=shown)


class QuestionSummaryNote(_Notification):
    type: Literal["question.summary"] = "question.summary"
    summary: QuestionSummary


class ReportReady(_Notification):
    type: Literal["report.ready"] = "report.ready"
    report: Report


Notification = Annotated[
    SessionLive | AnswerCompletedNote | SessionEnded | SessionDeleted | AnswerScoredNote | QuestionSummaryNote | ReportReady,
    Field(discriminator="type"),
]
NOTIFICATION = TypeAdapter(Notification)


def wire(notification: BaseModel) -> dict[str, Any]:
    """The JSON a publisher sends."""
    return notification.model_dump(mode="json")
