"""Messages on the WebRTC data channel (docs/protocol.md), both directions, as versioned models."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from rehearse.domain.errors import InvalidRequest
from rehearse.domain.model import Segment
from rehearse.interview.link_quality import LinkFigures

V = 1


class _Message(BaseModel):
    v: int = V


class Hello(_Message):
    type: Literal["hello"]
    after_seq: int = Field(default=0, ge=0)


class Next(_Message):
    type: Literal["next"]


class Repeat(_Message):
    type: Literal["repeat"]


class End(_Message):
    type: Literal["end"]


# A ping's `t` goes back in the pong exactly as it came (an integer stays an integer): it is the sender's key.
Stamp = int | float


class Ping(_Message):
    type: Literal["ping"]
    t: Stamp = 0


class Pong(_Message):
    """The page's answer to the relay's `ping`, with the relay's stamp."""

    type: Literal["pong"]
    t: Stamp


class Link(_Message, LinkFigures):
    """The page's view of the link, sent on every change of its state (rehearse/interview/link_quality.py)."""

    type: Literal["link"]
    state: Literal["good", "poor", "lost"]


ClientMessage = Annotated[Hello | Next | Repeat | End | Ping | Pong | Link, Field(discriminator="type")]
_client = TypeAdapter(ClientMessage)


def parse_client_message(raw: str | bytes) -> Hello | Next | Repeat | End | Ping | Pong | Link:
    if isinstance(raw, bytes) or len(raw) > 4096:
        raise InvalidRequest("data channel messages are JSON text of at most 4 KiB")
    try:
        return _client.validate_python(json.loads(raw))
    except RecursionError:  # deeply nested arrays fit in 4 KiB and exhaust the JSON parser's stack
        raise InvalidRequest("unknown or malformed message (nested too deeply); see docs/protocol.md") from None
    except (ValueError, ValidationError) as exc:
        detail = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else "not JSON"
        raise InvalidRequest(f"unknown or malformed message ({detail}); see docs/protocol.md") from None


class WordOut(BaseModel):
    w: str
    start: float
    end: float
    conf: float
    heard_ms: int = 0


class StateOut(_Message):
    type: Literal["state"] = "state"
    status: Literal["asking", "listening", "ended"]
    question_index: int
    total: int


class InterruptedOut(_Message):
    """The candidate spoke over the interviewer, who stopped to listen: the answer has begun."""

    type: Literal["interrupted"] = "interrupted"
    question_id: str


class FollowUpOut(_Message):
    """The interviewer asks a follow-up to the question being answered; the answer to it belongs to that question."""

    type: Literal["follow_up"] = "follow_up"
    question_id: str
    index: int  # the question's index
    n: int  # 1 for the question's first follow-up
    text: str
    after_seq: int  # shown after the final numbered this (0: before any)


class QuestionOut(_Message):
    type: Literal["question"] = "question"
    question_id: str
    index: int
    total: int
    text: str


class PartialOut(_Message):
    type: Literal["transcript"] = "transcript"
    final: Literal[False] = False
    phrase_id: int
    question_id: str
    text: str
    words: list[WordOut]


class FinalOut(Segment):
    type: Literal["transcript"] = "transcript"
    final: Literal[True] = True


class CueOut(_Message):
    type: Literal["cue"] = "cue"
    kind: str
    text: str
    question_id: str


class AnswerEndOut(_Message):
    type: Literal["answer_end"] = "answer_end"
    question_id: str
    reason: Literal["silence", "next", "end"]


class EndedOut(_Message):
    type: Literal["ended"] = "ended"
    session_id: str


class PongOut(_Message):
    type: Literal["pong"] = "pong"
    t: Stamp
    server_ms: int


class PingOut(_Message):
    """The relay's ping (every 5 s); carries the relay's view of the link from its earlier pings."""

    type: Literal["ping"] = "ping"
    t: Stamp  # the relay's wall clock, whole Unix ms
    rtt_ms: float | None = None
    ping_loss: float | None = None
    state: Literal["good", "poor", "lost"] = "good"


class ErrorOut(_Message):
    type: Literal["error"] = "error"
    code: str
    message: str


class LimitOut(_Message):
    """A quota stopped the audio: of this answer (the interview moves on) or of the interview (it ends)."""

    type: Literal["limit"] = "limit"
    limit: Literal["answer_audio_s", "interview_audio_s"]
    seconds: int  # the limit that was reached
    message: str  # what the page shows, as it is


def limit_message(refusal: Literal["answer", "interview"], seconds: int) -> LimitOut:
    span = f"{seconds // 60}-minute" if seconds % 60 == 0 else f"{seconds}-second"
    if refusal == "answer":
        text = f"This answer reached the {span} limit for one answer, so the interviewer moves on. Your transcript is kept."
    else:
        text = f"This interview reached its {span} limit of audio, so it ends here. Your transcript is kept and your report follows."
    return LimitOut(limit=f"{refusal}_audio_s", seconds=seconds, message=text)


def final_message(segment: Segment) -> FinalOut:
    return FinalOut(**segment.model_dump())
