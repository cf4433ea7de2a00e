"""What the application layer needs from the world: the ports, the settings and the sessions built over them.

rehearse/config.py builds one (BuiltWorld) per process from the Settings; the app layer, the relay and the
Functions bindings take this Protocol, so none of them depends on which adapters were chosen."""

from __future__ import annotations

from typing import Protocol

from rehearse.app.quotas import Quotas
from rehearse.app.sessions import Sessions
from rehearse.domain.question_bank import QuestionBank
from rehearse.ports import (
    Blobs,
    Embedder,
    Evaluator,
    FollowUpAdvisor,
    Publisher,
    Queue,
    Recognizer,
    Store,
    Synthesizer,
    ToneModel,
    TurnModel,
    VoiceActivity,
)
from rehearse.security.tokens import SessionTokens
from rehearse.settings import Settings


class World(Protocol):
    settings: Settings
    store: Store
    blobs: Blobs
    publisher: Publisher
    queue: Queue
    tokens: SessionTokens
    bank: QuestionBank

    @property
    def sessions(self) -> Sessions: ...

    @property
    def quotas(self) -> Quotas:
        """The limits against cost abuse, counted in the Store."""

    @property
    def embedder(self) -> Embedder: ...

    @property
    def tone(self) -> ToneModel: ...

    @property
    def evaluator(self) -> Evaluator: ...

    @property
    def follow_up_advisor(self) -> FollowUpAdvisor | None:
        """The LLM that may choose and word follow-ups; None: the rules alone."""

    @property
    def recognizer(self) -> Recognizer: ...

    @property
    def synthesizer(self) -> Synthesizer: ...

    @property
    def turn_model(self) -> TurnModel | None:
        """None: the end of a turn is silence alone (REHEARSE_TURN_MODEL=none)."""
        ...

    def vad_factory(self) -> VoiceActivity: ...

    async def close(self) -> None: ...
