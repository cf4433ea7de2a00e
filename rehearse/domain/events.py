"""Queue events between the relay and the functions (versioned JSON), and the queues they travel on."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from rehearse.domain.errors import InvalidRequest
from rehearse.domain.parsing import problems

V = 1


class _Event(BaseModel):
    v: int = V
    session_id: str = Field(min_length=1, max_length=100)
    # W3C trace context of the span that sent the event; optional, so older messages still parse. Not validated
    # further: a malformed one only starts a new trace, it must never poison the message.
    traceparent: str | None = Field(default=None, max_length=512)


class AnswerCompleted(_Event):
    type: Literal["answer.completed"] = "answer.completed"
    question_id: str
    answer_id: str = ""  # the closed answer's document (rehearse.domain.model.Answer); "" in messages sent before it existed
    segment_ids: list[str] = Field(default_factory=list)
    reason: str = "silence"


class AnswerScored(_Event):
    type: Literal["answer.scored"] = "answer.scored"
    question_id: str
    score_id: str


class QuestionClosed(_Event):
    type: Literal["question.closed"] = "question.closed"
    question_id: str


class InterviewEnded(_Event):
    type: Literal["interview.ended"] = "interview.ended"


Event = Annotated[AnswerCompleted | AnswerScored | QuestionClosed | InterviewEnded, Field(discriminator="type")]
_event = TypeAdapter(Event)

# Azure Storage queue names: lower case letters, digits and hyphens.
QUEUE_FOR: dict[str, str] = {
    "answer.completed": "answer-completed",
    "answer.scored": "answer-scored",
    "question.closed": "question-closed",
    "interview.ended": "interview-ended",
}
QUEUES: tuple[str, ...] = tuple(QUEUE_FOR.values())


def poison_queue(queue: str) -> str:
    return f"{queue}-poison"


def parse_event(body: dict | str | bytes) -> AnswerCompleted | AnswerScored | QuestionClosed | InterviewEnded:
    try:
        return _event.validate_json(body) if isinstance(body, str | bytes) else _event.validate_python(body)
    except ValidationError as exc:
        raise InvalidRequest(f"not a Rehearse event: {problems(exc, whole='event', limit=1)}") from None
