"""Settings (env vars REHEARSE_*) and the one place where a world's adapters are chosen and built."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from rehearse.app.sessions import Sessions
from rehearse.domain.question_bank import QuestionBank, default_bank
from rehearse.ports import Blobs, Embedder, Evaluator, Publisher, Queue, Recognizer, Store, Synthesizer, ToneModel, VoiceActivity
from rehearse.security.ice import ice_servers_for
from rehearse.security.tokens import SessionTokens


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REHEARSE_", extra="ignore")

    world: Literal["local", "azure"] = "local"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    data_dir: Path = Path(".rehearse-data")
    token_secret: str | None = Field(default=None, min_length=32)
    token_ttl_s: int = Field(default=3600, ge=60, le=86400)
    whisper_model_dir: Path | None = None
    whisper_threads: int = Field(default=2, ge=1, le=16)
    phrase_silence_s: float = Field(default=0.5, ge=0.2, le=3.0)
    end_of_turn_silence_s: float = Field(default=3.0, ge=1.0, le=30.0)
    vad_aggressiveness: int = Field(default=2, ge=0, le=3)
    # speech: the world's recognizer (two-pass here, Azure Speech in Azure). forward_only: the relay decodes the audio
    # and a stage counts and drops it, to measure the relay's own cost (bench/load.py).
    recognizer: Literal["speech", "forward_only"] = "speech"
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    max_live_sessions: int = Field(default=8, ge=1)
    preload_models: bool = True
    embedder_model_dir: Path | None = None
    evaluator: Literal["deterministic", "openai"] = "deterministic"
    openai_base_url: str | None = None  # any OpenAI-compatible endpoint
    openai_api_key: str | None = None
    openai_model: str = "gpt-4o-mini"
    azure_openai_endpoint: str | None = None  # Azure OpenAI: endpoint + deployment (key or Entra ID)
    azure_openai_deployment: str | None = None
    azure_openai_api_version: str = "2024-10-21"
    openai_timeout_s: float = Field(default=20.0, gt=0)
    queue_max_dequeue: int = Field(default=5, ge=1, le=20)
    # Azure world (REHEARSE_WORLD=azure). Credentials come from DefaultAzureCredential (managed identity in Azure,
    # AZURE_CLIENT_ID selects the user-assigned one); keys and connection strings are optional, for local emulators.
    cosmos_endpoint: str | None = None
    cosmos_database: str = "rehearse"
    cosmos_key: str | None = None
    blob_endpoint: str | None = None  # https://<account>.blob.core.windows.net
    queue_endpoint: str | None = None  # https://<account>.queue.core.windows.net
    storage_connection_string: str | None = None
    webpubsub_endpoint: str | None = None  # https://<name>.webpubsub.azure.com
    webpubsub_hub: str = "rehearse"
    webpubsub_connection_string: str | None = None
    speech_region: str | None = None
    speech_resource_id: str | None = None  # for Entra ID tokens to Speech
    speech_key: str | None = None
    speech_voice: str = "en-US-JennyNeural"
    relay_public_url: str | None = None  # where browsers send their offers, e.g. https://relay.<env>.azurecontainerapps.io
    # STUN/TURN servers for both ends, as RTCIceServer dicts ({"urls", "username", "credential"}). Container Apps
    # ingress carries no UDP, so in Azure media needs a TURN server; on one machine none is needed.
    ice_servers: list[dict[str, Any]] = Field(default_factory=list)
    # A TURN server using coturn's shared-secret scheme (use-auth-secret): every connection gets its own credentials,
    # valid for turn_credential_ttl_s. infra/bicep deploys one; REHEARSE_TURN_URLS is a JSON list of turn: URLs.
    turn_urls: list[str] = Field(default_factory=list)
    turn_secret: str | None = Field(default=None, min_length=32)
    turn_credential_ttl_s: int = Field(default=3600, ge=60, le=86400)
    ice_transport_policy: Literal["all", "relay"] = "all"  # "relay": browsers use only TURN (hides their addresses)
    require_sign_in: bool = False  # true in Azure: App Service Authentication (Easy Auth) in front of the API
    drain_grace_s: float = Field(default=240.0, ge=0, le=3600)  # on SIGTERM: time live sessions get to finish
    # Where spans go (docs/tracing.md): none (no-op), console (stdout), otlp (OTLP/HTTP) or azure (Application
    # Insights, APPLICATIONINSIGHTS_CONNECTION_STRING). The OTLP endpoint is the full traces URL, e.g.
    # http://127.0.0.1:4318/v1/traces; unset, the exporter reads OTEL_EXPORTER_OTLP_TRACES_ENDPOINT.
    traces: Literal["none", "console", "otlp", "azure"] = "none"
    otlp_endpoint: str | None = None

    @property
    def embedder_dir(self) -> Path:
        return self.embedder_model_dir or self.data_dir / "models" / "minilm"

    @property
    def whisper_dir(self) -> Path:
        return self.whisper_model_dir or self.data_dir / "models" / "whisper-base"

    def ice_servers_for(self, who: str) -> list[dict[str, Any]]:
        """The ICE servers one peer (a page or the relay's side of a session) is given, with its own TURN credentials."""
        return ice_servers_for(who, self.ice_servers, self.turn_urls, self.turn_secret, self.turn_credential_ttl_s)

    def resolved_token_secret(self) -> str:
        """The configured secret, or one kept in the data folder so tokens survive a restart."""
        if self.token_secret:
            return self.token_secret
        path = self.data_dir / "token-secret"
        if not path.is_file():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


@dataclass
class World:
    """The adapters behind every port, built once per process."""

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
    def recognizer(self) -> Recognizer:
        return _build_recognizer(self.settings)

    @cached_property
    def synthesizer(self) -> Synthesizer:
        if self.settings.world == "azure":
            from rehearse.adapters.azure.speech_synthesizer import AzureSpeechSynthesizer

            return AzureSpeechSynthesizer.from_settings(self.settings)
        from rehearse.adapters.local.espeak_synthesizer import EspeakSynthesizer

        return EspeakSynthesizer()

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


def build_world(settings: Settings, publisher: Publisher, queue: Queue | None = None) -> World:
    if settings.world == "azure":
        return _build_azure_world(settings, publisher, queue)
    from rehearse.adapters.local.folder_blobs import FolderBlobs
    from rehearse.adapters.local.in_process_queue import InProcessQueue
    from rehearse.adapters.local.sqlite_store import SqliteStore

    store = SqliteStore(settings.data_dir / "rehearse.sqlite3")
    return World(
        settings=settings,
        store=store,
        blobs=FolderBlobs(settings.data_dir / "blobs"),
        publisher=publisher,
        queue=queue or InProcessQueue(max_dequeue=settings.queue_max_dequeue, store=store),
        tokens=SessionTokens(settings.resolved_token_secret(), settings.token_ttl_s),
        bank=default_bank(),
    )


def _build_azure_world(settings: Settings, publisher: Publisher, queue: Queue | None) -> World:
    from rehearse.adapters.azure.blob_store import AzureBlobs
    from rehearse.adapters.azure.cosmos_store import CosmosStore
    from rehearse.adapters.azure.storage_queue import StorageQueue

    missing = [name for name in ("cosmos_endpoint", "token_secret") if not getattr(settings, name)]
    if not (settings.blob_endpoint and settings.queue_endpoint) and not settings.storage_connection_string:
        missing.append("blob_endpoint and queue_endpoint (or storage_connection_string)")
    if missing:
        raise ValueError("REHEARSE_WORLD=azure needs: " + ", ".join(f"REHEARSE_{m.upper()}" for m in missing))
    return World(
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


def build_world_from_settings(settings: Settings) -> World:
    return build_world(settings, build_publisher(settings))


def _build_evaluator(settings: Settings) -> Evaluator:
    from rehearse.feedback.evaluation.deterministic import DeterministicEvaluator

    if settings.evaluator == "deterministic":
        return DeterministicEvaluator()
    from rehearse.adapters.azure.openai_evaluator import OpenAIEvaluator

    if settings.azure_openai_endpoint:
        return OpenAIEvaluator.for_azure(
            endpoint=settings.azure_openai_endpoint,
            deployment=settings.azure_openai_deployment or settings.openai_model,
            api_version=settings.azure_openai_api_version,
            api_key=settings.openai_api_key,
            timeout_s=settings.openai_timeout_s,
        )
    return OpenAIEvaluator.for_openai_compatible(
        base_url=settings.openai_base_url, api_key=settings.openai_api_key or "", model=settings.openai_model, timeout_s=settings.openai_timeout_s
    )


def _build_recognizer(settings: Settings) -> Recognizer:
    if settings.recognizer == "forward_only":
        from rehearse.adapters.local.discarding_recognizer import DiscardingRecognizer

        return DiscardingRecognizer()
    if settings.world == "azure":
        from rehearse.adapters.azure.speech_recognizer import AzureSpeechRecognizer

        return AzureSpeechRecognizer.from_settings(settings)
    from rehearse.adapters.local.two_pass_recognizer import TwoPassRecognizer
    from rehearse.adapters.local.webrtc_vad import WebRtcVoiceActivity
    from rehearse.adapters.local.whisper_finals import WhisperFinals
    from rehearse.adapters.local.whisper_model import assemble, check_model_dir

    model_dir = check_model_dir(settings.whisper_model_dir) if settings.whisper_model_dir else assemble(settings.whisper_dir)
    finals = WhisperFinals(model_dir, cpu_threads=settings.whisper_threads)
    return TwoPassRecognizer(
        finals, lambda: WebRtcVoiceActivity(settings.vad_aggressiveness), phrase_silence_s=settings.phrase_silence_s
    )
