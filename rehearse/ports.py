"""The interfaces the core needs from the world. One Protocol per port; adapters live in rehearse/adapters/<world>/."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from rehearse.domain.analysis_model import AnswerScore, AnswerText, Evaluation, Prosody, ToneEstimate, Word
from rehearse.domain.follow_ups import FollowUpProposal, FollowUpRequest
from rehearse.domain.model import Question


class Store(Protocol):
    """JSON documents grouped in containers, partitioned by session id, with etag optimistic concurrency."""

    async def get(self, container: str, session_id: str, doc_id: str) -> tuple[dict[str, Any], str] | None:
        """The document and its etag, or None."""

    async def upsert(
        self, container: str, session_id: str, doc_id: str, doc: dict[str, Any], if_match: str | None = None
    ) -> str:
        """Write the document; with if_match, raise ConcurrencyConflict when the stored etag differs. Returns the new etag."""

    async def list(self, container: str, session_id: str) -> list[dict[str, Any]]:
        """Every document of the session in the container, in insertion order of their ids."""

    async def delete(self, container: str, session_id: str, doc_id: str) -> None: ...

    async def delete_partition(self, container: str, session_id: str) -> int:
        """Delete every document of the partition in the container; returns how many there were."""

    async def increment(self, container: str, session_id: str, doc_id: str, amount: float, expires_at: float) -> float:
        """Add `amount` to the counter document's `count`, atomically across processes and replicas, and return the new
        count. A missing or expired counter (its `expires_at`, Unix seconds, passed) starts again from 0 and expires at
        the given `expires_at`; the document is {"count", "expires_at"} and goes away by itself after it (quotas)."""

    async def get_lease(self, session_id: str) -> tuple[dict[str, Any], str] | None:
        """The session's lease (rehearse/domain/lease.py) and its etag, or None. It lives with the session's document
        (container `sessions`), so deleting the session removes it."""

    async def put_lease(self, session_id: str, lease: dict[str, Any], etag: str | None) -> str:
        """Write the session's lease only if the stored one still has `etag` (None: only if there is none yet), atomically
        across processes and replicas; raise ConcurrencyConflict otherwise. Returns the new etag."""

    async def close(self) -> None: ...


class Blobs(Protocol):
    """Binary objects (session audio recordings, exported reports), named by path within a container."""

    async def put(self, container: str, name: str, data: bytes, content_type: str = "application/octet-stream") -> None: ...

    async def get(self, container: str, name: str) -> bytes | None: ...

    async def delete(self, container: str, name: str) -> None: ...

    async def list(self, container: str, prefix: str = "") -> list[str]:
        """Names of the container's blobs that start with prefix, sorted; [] when the container does not exist."""

    async def close(self) -> None: ...


class Queue(Protocol):
    """At-least-once delivery of events to the functions that handle them."""

    async def send(self, queue: str, message: dict[str, Any]) -> None: ...


class Publisher(Protocol):
    """Pushes events to every client subscribed to a session's group."""

    async def publish(self, session_id: str, event: dict[str, Any]) -> None: ...

    async def client_access(self, session_id: str, base_url: str) -> dict[str, str]:
        """{"url", "group"}: a Web PubSub client URL whose token may only join this session's group."""


@dataclass(frozen=True)
class Hypothesis:
    """A recognizer's view of one phrase. Partials may change; the final is the accurate pass and never changes."""

    phrase_id: int
    text: str
    start: float
    end: float
    words: tuple[Word, ...] = ()
    final: bool = False
    confidence: float = 0.0
    fillers: tuple[str, ...] = ()
    prosody: Prosody | None = None  # finals only: energy and pitch of the phrase's audio


class RecognitionStream(Protocol):
    """One candidate's audio in, hypotheses out. Audio is 16 kHz mono int16."""

    def feed(self, pcm: np.ndarray, voiced: Sequence[bool] | None = None) -> None:
        """Queue audio; never blocks the caller. `voiced`: one voice-activity decision per 20 ms frame of `pcm`,
        when the caller has made them (the relay does, once per frame for every stage); a recognizer that cuts
        phrases itself uses them instead of running its own VAD."""

    async def flush(self) -> None:
        """Cut the phrase being spoken now and return once every final so far has been taken from results()."""

    def results(self) -> AsyncIterator[Hypothesis]:
        """Partials as they change and one final per phrase, finals in phrase order."""

    async def aclose(self) -> None:
        """Finish pending finals, then stop; results() ends after them."""


class Recognizer(Protocol):
    def open_stream(self) -> RecognitionStream: ...


class Synthesizer(Protocol):
    """Text to speech."""

    async def synthesize(self, text: str) -> np.ndarray:
        """The spoken text as 48 kHz mono int16 PCM."""

    def stream(self, text: str) -> AsyncIterator[np.ndarray]:
        """The same audio in pieces, in order, each as soon as it is made (a sentence, or the whole text at once):
        the first can play while the rest is synthesized. Their concatenation is what `synthesize` returns."""

    async def prepare(self, text: str) -> None:
        """Make `text` quick to say later (synthesized ahead into a cache), or nothing where that would cost money."""


class TurnModel(Protocol):
    """Whether the candidate sounds finished: P(turn complete) from the last seconds of 16 kHz mono int16 audio,
    oldest first, ending now. Slow enough (tens of ms) to be called off the event loop."""

    def complete_probability(self, pcm16k: np.ndarray) -> float: ...


class VoiceActivity(Protocol):
    """Says whether a 20 ms frame (320 samples) of 16 kHz mono int16 audio contains speech."""

    def is_speech(self, frame: np.ndarray) -> bool: ...


class Embedder(Protocol):
    """Sentence embeddings for semantic similarity (key-point coverage)."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Shape (len(texts), dim), float32, each row L2-normalised."""


class ToneModel(Protocol):
    """An utterance's tone from its text, and from prosody when the audio is known."""

    def classify(self, text: str, prosody: Prosody | None = None) -> ToneEstimate: ...

    def classify_sentences(self, sentences: list[str], embeddings: np.ndarray, prosody: Prosody | None = None) -> ToneEstimate:
        """The same for a whole answer, from its sentences and their embeddings (computed once, for coverage too)."""


class Evaluator(Protocol):
    """Contextual feedback on one scored answer. Never raises for the model's failures: falls back and says so."""

    async def evaluate(self, answer: AnswerText, score: AnswerScore) -> Evaluation: ...

    async def tailor_questions(
        self, job_description: str, candidates: list[Question], count: int, roles: Mapping[str, str] | None = None
    ) -> list[Question]:
        """`count` of the candidates (fewer only when there are fewer), chosen and worded for the job description.

        `roles` maps a candidate's id to its role's title and description. Every question keeps its bank id and key
        points; only its text may be reworded. Never raises for the model's failures: falls back to the deterministic choice."""


class FollowUpAdvisor(Protocol):
    """Chooses and words one follow-up question (an LLM). One model call per request; the core checks the proposal
    and bounds the time. Raises FollowUpAdviceFailed, saying why, when the model gives nothing usable."""

    async def follow_up(self, request: FollowUpRequest) -> FollowUpProposal: ...
