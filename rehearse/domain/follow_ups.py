"""Follow-up questions: the interviewer's one probe after an answer, and what an advisor (an LLM) is asked and answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from rehearse.domain.analysis_model import SCHEMA_VERSION, CoverageState

# What a follow-up targets: one key point by its text, or one of the answer's gaps (docs/follow-ups.md).
KEY_POINT = "key_point:"
RESULT = "result"
OWNERSHIP = "ownership"
SPECIFICS = "specifics"
RELEVANCE = "relevance"
DEPTH = "depth"


def key_point_target(point: str) -> str:
    return KEY_POINT + point.strip()


def targeted_point(targets: str) -> str | None:
    """The key point a target names, or None when it names another gap."""
    return targets[len(KEY_POINT) :] if targets.startswith(KEY_POINT) else None


@dataclass(frozen=True)
class FollowUp:
    """One spoken follow-up question, what it targets and why it was asked."""

    text: str
    targets: str  # "key_point:<key point text>" | "result" | "ownership" | "specifics" | "relevance" | "depth"
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"text": self.text, "targets": self.targets, "reason": self.reason}


class AskedFollowUp(BaseModel):
    """A follow-up the interviewer asked, kept with the session and the answer: where it falls in the transcript
    (after the final numbered `after_seq`; 0: before any), what was said, and what it targeted."""

    question_id: str
    n: int = Field(ge=1)  # 1 for the question's first follow-up
    text: str = Field(min_length=1, max_length=400)
    targets: str
    reason: str = ""
    after_seq: int = Field(default=0, ge=0)
    source: Literal["rules", "llm"] = "rules"

    def follow_up(self) -> FollowUp:
        return FollowUp(text=self.text, targets=self.targets, reason=self.reason)


class PointState(BaseModel):
    point: str
    state: CoverageState  # covered, unclear or missed, as the scoring core measured it


class FollowUpRequest(BaseModel):
    """What an advisor is given for one turn: the question, what the answer covered, and what it may target."""

    v: int = SCHEMA_VERSION
    question: str
    kind: str | None = None  # behavioral, technical, situational; None for a custom question
    key_points: list[PointState] = Field(default_factory=list)
    answer: str
    asked: list[str] = Field(default_factory=list)  # follow-ups already asked for this question, in order
    allowed_targets: list[str] = Field(default_factory=list)  # the gaps found, most important first
    deterministic: FollowUp | None = None  # what the rules chose: the advisor may improve it, or keep it


class FollowUpProposal(BaseModel):
    """An advisor's answer: a question, or None for no follow-up; checked by the core before it is used."""

    question: str | None
    targets: str = ""
    why: str = ""
    source: Literal["llm"] = "llm"
    model: str = ""


class FollowUpAdviceFailed(Exception):
    """The advisor gave no usable proposal (unavailable, malformed, off-schema); the message says which."""
