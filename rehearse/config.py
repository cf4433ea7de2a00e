"""The composition root: the one place where a world's adapters are chosen and built from the Settings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rehearse.app.quotas import QuotaLimits, Quotas
from rehearse.app.sessions import Sessions
from rehearse.domain.errors import ModelUnavailable
from rehearse.domain.question_bank import QuestionBank, default_bank
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

log = logging.getLogger("rehearse.config")

if TYPE_CHECKING:
    from rehearse.adapters.local.whisper_finals import WhisperFinals
    from rehearse.adapters.local.whisper_partials import WhisperPartials


@dataclass
class BuiltWorld:
    """The adapters behind every port, built once per process (implements rehearse.app.world.World)."""

    settings: Settings
    store: Store
    blobs: Blobs
    publisher: Publisher
    queue: Queue
    tokens: SessionTokens
    bank: QuestionBank

    @cached_property
    def sessions(self) -> Sessions:
        return Sessions(self.store, self.bank, self.publisher, self.queue)

    @cached_property
    def quotas(self) -> Quotas:
        return Quotas(self.store, QuotaLimits.from_settings(self.settings), self.tokens.pseudonyms)

    @cached_property
    def embedder(self) -> Embedder:
        from rehearse.adapters.local.onnx_embedder import OnnxEmbedder

        return OnnxEmbedder(self.settings.embedder_dir, threads=2)

    @cached_property
    def tone(self) -> ToneModel:
        from rehearse.adapters.local.onnx_tone import OnnxToneModel

        return OnnxToneModel(self.embedder)

    @cached_property
    def evaluator(self) -> Evaluator:
        return _build_evaluator(self.settings)

    @cached_property
    def follow_up_advisor(self) -> FollowUpAdvisor | None:
        return build_follow_up_advisor(self.settings)

    @cached_property
    def recognizer(self) -> Recognizer:
        return _build_recognizer(self.settings)

    @cached_property
    def synthesizer(self) -> Synthesizer:
        if self.settings.world == "azure":
            from rehearse.adapters.azure.speech_synthesizer import AzureSpeechSynthesizer

            return AzureSpeechSynthesizer.from_settings(self.settings)
        if self.settings.voice == "espeak":
            from rehearse.adapters.local.espeak_synthesizer import EspeakSynthesizer

            return EspeakSynthesizer()
        from rehearse.adapters.local.piper_synthesizer import PiperSynthesizer

        return PiperSynthesizer()

    @cached_property
    def turn_model(self) -> TurnModel | None:
        if self.settings.turn_model == "none":
            return None
        from rehearse.adapters.local.smart_turn import SmartTurnModel

        return SmartTurnModel(self.settings.smart_turn_dir)

    def vad_factory(self) -> VoiceActivity:
        from rehearse.adapters.local.webrtc_vad import WebRtcVoiceActivity

        return WebRtcVoiceActivity(self.settings.vad_aggressiveness)

    async def close(self) -> None:
        close_queue = getattr(self.queue, "close", None)
        if close_queue is not None:
            await close_queue()
        if "synthesizer" in self.__dict__ and (close_synthesizer := getattr(self.synthesizer, "close", None)) is not None:
            await close_synthesizer()
        close_publisher = getattr(self.publisher, "close", None)
        if close_publisher is not None:
            await close_publisher()
        await self.blobs.close()
        await self.store.close()


def build_world(settings: Settings, publisher: Publisher, queue: Queue | None = None) -> BuiltWorld:
    if settings.world == "azure":
        return _build_azure_world(settings, publisher, queue)
    from rehearse.adapters.local.folder_blobs import FolderBlobs
    from rehearse.adapters.local.in_process_queue import InProcessQueue
    from rehearse.adapters.local.sqlite_store import SqliteStore

    store = SqliteStore(settings.data_dir / "rehearse.sqlite3")
    return BuiltWorld(
        settings=settings,
        store=store,
        blobs=FolderBlobs(settings.data_dir / "blobs"),
        publisher=publisher,
        queue=queue or InProcessQueue(max_dequeue=settings.queue_max_dequeue, store=store),
        tokens=SessionTokens(settings.resolved_token_secret(), settings.token_ttl_s),
        bank=default_bank(),
    )


def _build_azure_world(settings: Settings, publisher: Publisher, queue: Queue | None) -> BuiltWorld:
    from rehearse.adapters.azure.blob_store import AzureBlobs
    from rehearse.adapters.azure.cosmos_store import CosmosStore
    from rehearse.adapters.azure.storage_queue import StorageQueue

    missing = [name for name in ("cosmos_endpoint", "token_secret") if not getattr(settings, name)]
    if not (settings.blob_endpoint and settings.queue_endpoint) and not settings.storage_connection_string:
        missing.append("blob_endpoint and queue_endpoint (or storage_connection_string)")
    if missing:
        raise ValueError("REHEARSE_WORLD=azure needs: " + ", ".join(f"REHEARSE_{m.upper()}" for m in missing))
    return BuiltWorld(
        settings=settings,
        store=CosmosStore(settings.cosmos_endpoint, settings.cosmos_database, key=settings.cosmos_key),
        blobs=AzureBlobs(settings.blob_endpoint, connection_string=settings.storage_connection_string),
        publisher=publisher,
        queue=queue or StorageQueue(settings.queue_endpoint, connection_string=settings.storage_connection_string),
        tokens=SessionTokens(settings.token_secret, settings.token_ttl_s),
        bank=default_bank(),
    )


def build_publisher(settings: Settings) -> Publisher:
    """Web PubSub in Azure; in the embedded default, the local hub (served by rehearse.local)."""
    if settings.world == "azure":
        from rehearse.adapters.azure.webpubsub_publisher import WebPubSubPublisher

        return WebPubSubPublisher(
            settings.webpubsub_hub, endpoint=settings.webpubsub_endpoint, connection_string=settings.webpubsub_connection_string
        )
    from rehearse.adapters.local.pubsub_hub import LocalPubSubHub

    return LocalPubSubHub(settings.resolved_token_secret(), settings.token_ttl_s)


def build_world_from_settings(settings: Settings) -> BuiltWorld:
    return build_world(settings, build_publisher(settings))


def _build_evaluator(settings: Settings) -> Evaluator:
    from rehearse.feedback.evaluation.deterministic import DeterministicEvaluator

    if settings.evaluator == "deterministic":
        return DeterministicEvaluator()
    from rehearse.adapters.azure.openai_evaluator import OpenAIEvaluator

    return _on_openai(OpenAIEvaluator, settings, settings.openai_timeout_s)


def _on_openai(client: Any, settings: Settings, timeout_s: float) -> Any:
    """`client` (an adapter with for_azure / for_openai_compatible) on Azure OpenAI when an endpoint is configured,
    else on the OpenAI-compatible endpoint: the evaluator and the follow-up advisor talk to the same model."""
    if settings.azure_openai_endpoint:
        return client.for_azure(
            endpoint=settings.azure_openai_endpoint,
            deployment=settings.azure_openai_deployment or settings.openai_model,
            api_version=settings.azure_openai_api_version,
            api_key=settings.openai_api_key,
            timeout_s=timeout_s,
        )
    return client.for_openai_compatible(
        base_url=settings.openai_base_url, api_key=settings.openai_api_key or "", model=settings.openai_model, timeout_s=timeout_s
    )


def build_follow_up_advisor(settings: Settings) -> FollowUpAdvisor | None:
    """The LLM that words follow-ups when one is configured (the evaluator's model); None: the deterministic choice."""
    if settings.evaluator != "openai" or settings.max_follow_ups == 0:
        return None
    from rehearse.adapters.azure.openai_follow_up import OpenAIFollowUpAdvisor

    return _on_openai(OpenAIFollowUpAdvisor, settings, settings.follow_up_llm_timeout_s)


def _build_recognizer(settings: Settings) -> Recognizer:
    if settings.recognizer == "forward_only":
        from rehearse.adapters.local.discarding_recognizer import DiscardingRecognizer

        return DiscardingRecognizer()
    if settings.world == "azure":
        from rehearse.adapters.azure.speech_recognizer import AzureSpeechRecognizer

        return AzureSpeechRecognizer.from_settings(settings)
    from rehearse.adapters.local.two_pass_recognizer import TwoPassRecognizer
    from rehearse.adapters.local.webrtc_vad import WebRtcVoiceActivity

    return TwoPassRecognizer(
        whisper_finals(settings),
        lambda: WebRtcVoiceActivity(settings.vad_aggressiveness),
        phrase_silence_s=settings.phrase_silence_s,
        finals_niceness=settings.finals_niceness,
        reader=whisper_partials(settings),
    )


def whisper_partials(settings: Settings) -> WhisperPartials | None:
    """The reader of the accurate partials, or None (turned off, or its model is missing: said, and pocketsphinx's
    partials alone are shown)."""
    if not settings.accurate_partials:
        return None
    from rehearse.adapters.local.thread_priority import built_lowered
    from rehearse.adapters.local.whisper_partials import WhisperPartials, check_model_dir, packaged_model_dir

    try:
        model_dir = check_model_dir(settings.partials_model_dir) if settings.partials_model_dir else packaged_model_dir()
    except ModelUnavailable as error:
        log.warning("%s: the live transcript shows pocketsphinx's partials alone", error.message)
        return None
    return built_lowered(lambda: WhisperPartials(model_dir), settings.finals_niceness)


def whisper_finals(settings: Settings) -> WhisperFinals:
    """The embedded recognizer's Whisper finals (the model assembled by `make models`, or the one configured)."""
    from rehearse.adapters.local.thread_priority import built_lowered
    from rehearse.adapters.local.whisper_finals import WhisperFinals
    from rehearse.adapters.local.whisper_model import assemble, check_model_dir

    model_dir = check_model_dir(settings.whisper_model_dir) if settings.whisper_model_dir else assemble(settings.whisper_dir)
    # CTranslate2 starts its worker threads with the model: they decode at the finals' lower priority
    return built_lowered(lambda: WhisperFinals(model_dir, cpu_threads=settings.whisper_threads), settings.finals_niceness)


def build_scoring_models(model_dir: Path, warn: Callable[[str], None]) -> tuple[Embedder | None, ToneModel | None]:
    """The local sentence embedder and tone model for scoring outside a world (the CLI, evaluation, benchmarks);
    what is missing is said through `warn` and skipped, since scoring without them still works."""
    if not (model_dir / "model.onnx").is_file():
        warn(f"no sentence embedder in {model_dir}: key-point coverage and tone are skipped. Build it with `make models`.")
        return None, None
    try:
        from rehearse.adapters.local.onnx_embedder import OnnxEmbedder
    except ImportError as error:
        warn(f"the local embedder cannot be imported ({error}): key-point coverage and tone are skipped.")
        return None, None
    try:
        embedder: Embedder = OnnxEmbedder(model_dir, threads=2)
    except ModelUnavailable as error:
        warn(f"{error.message}; key-point coverage and tone are skipped.")
        return None, None
    try:
        from rehearse.adapters.local.onnx_tone import OnnxToneModel

        return embedder, OnnxToneModel(embedder)
    except Exception as error:  # an unbuilt or broken tone model must not stop scoring: coverage still works
        warn(f"tone model unavailable ({error}): tone is skipped. Build it with `make models`.")
        return embedder, None
