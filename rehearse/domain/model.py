"""The interview's domain model: sessions, questions, transcript segments. Pydantic, versioned, framework-free."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rehearse.domain.analysis_model import SCHEMA_VERSION, Prosody, Word
from rehearse.domain.fillers import HESITATIONS, normalize_word
from rehearse.domain.follow_ups import AskedFollowUp


def utc_now() -> datetime:
    return datetime.now(UTC)


class Question(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    index: int = 0
    text: str = Field(min_length=1, max_length=1000)
    key_points: list[str] = Field(default_factory=list, max_length=20)
    # Spoken phrasings that make each key point, from the bank: they teach the scorer how the point sounds.
    examples: dict[str, list[str]] = Field(default_factory=dict)
    # Spoken follow-up questions per key point, from the bank: what the interviewer asks when the point is missing.
    probes: dict[str, list[str]] = Field(default_factory=dict)
    kind: str | None = None  # the bank's behavioral, technical or situational; None for a custom question
    time_limit_s: int = 120

    @model_validator(mode="after")
    def _examples_belong_to_key_points(self) -> Question:
        if unknown := sorted(set(self.examples) - set(self.key_points)):
            raise ValueError(f"question {self.id}: examples for points that are not key points: {unknown}")
        return self

    @model_validator(mode="after")
    def _probes_belong_to_key_points(self) -> Question:
        if unknown := sorted(set(self.probes) - set(self.key_points)):
            raise ValueError(f"question {self.id}: probes for points that are not key points: {unknown}")
        return self


class SessionStatus(StrEnum):
    created = "created"
    live = "live"
    ended = "ended"


class Session(BaseModel):
    v: int = SCHEMA_VERSION
    session_id: str
    candidate_id: str = "anonymous"
    role: str | None = None
    status: SessionStatus = SessionStatus.created
    current_question: int = 0
    questions: list[Question]
    created_at: datetime = Field(default_factory=utc_now)
    ended_at: datetime | None = None
    connections: int = 0  # relay connections so far; numbers phrases uniquely across reconnects
    closed_questions: list[str] = Field(default_factory=list)  # ids of the questions whose answers are closed
    # ... of those, the ones closed with words heard (Answer.heard_words). None: not known, in a session that closed
    # questions before this was kept (counting on from [] would leave its first answers out).
    answered_questions: list[str] | None = Field(default_factory=list)
    record_audio: bool = False  # the candidate's consent to keep their answers' audio; nothing is recorded without it
    follow_ups: list[AskedFollowUp] = Field(default_factory=list)  # in the order asked; never asked twice on resume
    # Per question; 0: the interviewer never follows up (and sessions stored before follow-ups existed read as 0).
    max_follow_ups: int = Field(default=0, ge=0, le=3)

    @model_validator(mode="before")
    @classmethod
    def _answered_unknown_in_older_sessions(cls, data: object) -> object:
        if isinstance(data, dict) and "answered_questions" not in data and data.get("closed_questions"):
            return {**data, "answered_questions": None}
        return data

    @property
    def is_ended(self) -> bool:
        return self.status is SessionStatus.ended

    def follow_ups_for(self, question_id: str) -> list[AskedFollowUp]:
        return [f for f in self.follow_ups if f.question_id == question_id]

    def question_at(self, index: int) -> Question | None:
        return self.questions[index] if 0 <= index < len(self.questions) else None


class Segment(BaseModel):
    """One final phrase of the candidate's speech, as persisted and announced."""

    v: int = SCHEMA_VERSION
    session_id: str
    seq: int
    segment_id: str
    question_id: str
    phrase_id: int
    text: str
    start: float
    end: float
    confidence: float
    words: list[Word] = Field(default_factory=list)
    fillers: list[str] = Field(default_factory=list)
    heard_ms: int = 0
    prosody: Prosody | None = None


class Answer(BaseModel):
    """One closed answer, written once when it closes and never changed: the question as it was asked and the answer's
    final segments in order. `answer.completed` carries its id; the feedback pipeline reads this and nothing else
    about the answer, so the rubric, the model and the report all see the same words."""

    model_config = ConfigDict(frozen=True)

    v: int = SCHEMA_VERSION
    answer_id: str
    session_id: str
    role: str | None = None
    question: Question
    segments: list[Segment] = Field(default_factory=list)
    follow_ups: list[AskedFollowUp] = Field(default_factory=list)  # asked during this answer, in order
    reason: str = "silence"
    closed_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @property
    def words(self) -> list[Word]:
        return [w for s in self.segments for w in s.words]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)

    @property
    def heard_words(self) -> bool:
        """Something was said: a word other than a hesitation. The report counts such an answer as answered and shows
        the others as "no answer"."""
        return any((word := normalize_word(raw)) and word not in HESITATIONS for raw in self.text.split())


def segment_id_for(session_id: str, phrase_id: int) -> str:
    """Deterministic id: re-persisting the same phrase overwrites instead of duplicating."""
    return f"{session_id}.p{phrase_id:05d}"


PHRASES_PER_CONNECTION = 100_000  # a phrase id is connection × this + the phrase's number within the connection


class Recording(BaseModel):
    """One answer's audio, kept with consent: its file and where it sits in the audio of the connection that heard it."""

    v: int = SCHEMA_VERSION
    session_id: str
    name: str  # file name within the session, `{question_id}-{connection}.wav`
    question_id: str
    connection: int
    start: float  # seconds of the connection's audio at the recording's first sample (the clock of Segment.start)
    duration: float = 0.0  # seconds written so far; grows while the answer goes on

    @property
    def blob_name(self) -> str:
        return f"{self.session_id}/{self.name}"


def recording_name(question_id: str, connection: int) -> str:
    return f"{question_id}-{connection}.wav"


def place_in_recording(segment: Segment, recordings: list[Recording]) -> tuple[Recording, float] | None:
    """The recording that holds a segment and the segment's offset in it (seconds), or None when none does.

    Segment times are seconds of one connection's audio, so only that connection's recordings of the same
    question can hold it; a phrase begun just before listening started is placed at the recording's start."""
    connection = segment.phrase_id // PHRASES_PER_CONNECTION
    for recording in recordings:
        if recording.connection == connection and recording.question_id == segment.question_id:
            if segment.end > recording.start and segment.start < recording.start + recording.duration:
                return recording, round(max(0.0, segment.start - recording.start), 3)
    return None
