"""The pure logic of the Azure Speech adapters: settings, ticks, detailed results to phrases, SSML, error wording."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from rehearse.domain.analysis_model import Word
from rehearse.domain.fillers import hesitations_in, merge_fillers, normalize_word
from rehearse.ports import Hypothesis

TICKS_PER_SECOND = 10_000_000  # the service counts audio time in 100-ns ticks
ENTRA_SCOPE = "https://cognitiveservices.azure.com/.default"

_REGION = re.compile(r"^[a-z0-9]+$")
_RESOURCE_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.CognitiveServices/accounts/[^/]+$", re.IGNORECASE
)
_VOICE = re.compile(r"^(?P<locale>[a-z]{2,3}-[A-Z]{2,4}(?:-[A-Za-z]+)?)-[A-Za-z0-9:]*Neural[A-Za-z0-9]*$")
# Characters XML 1.0 forbids even when escaped: one stray control byte in a question would fail the whole request.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class SpeechSettingsError(ValueError):
    """The REHEARSE_SPEECH_* settings cannot work; the message says which one to set and how."""


class SpeechServiceError(RuntimeError):
    """Azure Speech refused or dropped a request; `code` is the SDK's CancellationErrorCode name."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


# -- settings --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SpeechAuth:
    """Where Speech lives and how to sign in: a key, or Entra ID tokens for the resource (key wins when both are set)."""

    region: str | None
    key: str | None = field(default=None, repr=False)  # never in a log line
    resource_id: str | None = None
    host: str | None = None  # ws://host:port of a Speech container (or a test double) instead of the region's endpoint
    # https://<custom domain>.cognitiveservices.azure.com/: the resource's own endpoint instead of the region's. Behind a
    # private endpoint it is the only way in (the region's hosts do not lead to it); the SDK adds /stt/... and /tts/...
    endpoint: str | None = None

    @property
    def uses_entra(self) -> bool:
        return not self.key


def speech_auth(
    region: str | None,
    key: str | None = None,
    resource_id: str | None = None,
    host: str | None = None,
    endpoint: str | None = None,
) -> SpeechAuth:
    """Checks the settings once, at startup, so a typo is reported by name instead of as a failed session later."""
    region = (region or "").strip() or None
    key = (key or "").strip() or None
    resource_id = (resource_id or "").strip() or None
    endpoint = _resource_endpoint(endpoint)
    if host is not None and endpoint is not None:
        raise SpeechSettingsError("Set REHEARSE_SPEECH_ENDPOINT or a container's host, not both.")
    if host is None and endpoint is None:
        if region is None:
            raise SpeechSettingsError(
                "REHEARSE_SPEECH_REGION is not set: the Azure Speech adapters need the Speech resource's region, e.g. westeurope "
                "(or REHEARSE_SPEECH_ENDPOINT, the resource's https://<custom domain>.cognitiveservices.azure.com/)."
            )
        if not _REGION.match(region):
            raise SpeechSettingsError(
                f"REHEARSE_SPEECH_REGION must be a region name such as westeurope (lower case, no spaces), not {region!r}."
            )
    if key is None:
        # Through the resource's own endpoint an Entra ID token is sent as it is: the resource id is not needed.
        if resource_id is None and endpoint is None:
            raise SpeechSettingsError(
                "Azure Speech needs credentials: set REHEARSE_SPEECH_RESOURCE_ID to sign in with Entra ID (managed identity; "
                "the identity needs the 'Cognitive Services Speech User' role on the resource), or REHEARSE_SPEECH_KEY."
            )
        if resource_id is not None and not _RESOURCE_ID.match(resource_id):
            raise SpeechSettingsError(
                "REHEARSE_SPEECH_RESOURCE_ID must be the Speech resource's ARM id, /subscriptions/<id>/resourceGroups/<group>"
                f"/providers/Microsoft.CognitiveServices/accounts/<name>, not {resource_id!r}."
            )
    return SpeechAuth(region=region, key=key, resource_id=resource_id, host=host, endpoint=endpoint)


def _resource_endpoint(value: str | None) -> str | None:
    """REHEARSE_SPEECH_ENDPOINT as the SDK takes it: https://<custom domain>/ (plain http only to this machine)."""
    value = (value or "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (local and parts.scheme in ("http", "ws")) or not parts.hostname:
        raise SpeechSettingsError(
            "REHEARSE_SPEECH_ENDPOINT must be the Speech resource's endpoint, https://<custom domain>.cognitiveservices.azure.com/ "
            f"(Keys and Endpoint in the portal), not {value!r}."
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise SpeechSettingsError(
            "REHEARSE_SPEECH_ENDPOINT is the resource's endpoint without a path (the SDK adds /stt/... and /tts/...): "
            f"{parts.scheme}://{parts.netloc}/, not {value!r}."
        )
    return f"{parts.scheme}://{parts.netloc}/"


def voice_locale(voice: str) -> str:
    """The locale of a neural voice name ("en-US-JennyNeural" -> "en-US"): the interview's recognition language too."""
    match = _VOICE.match(voice.strip())
    if match is None:
        raise SpeechSettingsError(
            f"REHEARSE_SPEECH_VOICE must be a neural voice name such as en-US-JennyNeural, not {voice!r} "
            "(the list: https://learn.microsoft.com/azure/ai-services/speech-service/language-support?tabs=tts)."
        )
    return match.group("locale")


# -- Entra ID --------------------------------------------------------------------------------------------------------
class TokenCredential(Protocol):
    """What azure-identity's credentials offer: get_token(scope) -> an object with .token and .expires_on (epoch s)."""

    def get_token(self, *scopes: str) -> Any: ...


def entra_authorization_token(resource_id: str, access_token: str) -> str:
    """Speech takes an Entra ID token for a region endpoint only wrapped with the resource it is for."""
    return f"aad#{resource_id}#{access_token}"


class EntraTokens:
    """Speech authorization tokens from an Entra ID credential, fetched again a few minutes before they expire.

    current() may call the credential (network): call it from a thread, never on the event loop."""

    def __init__(
        self,
        credential: TokenCredential,
        resource_id: str | None,
        refresh_margin_s: float = 300.0,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._credential = credential
        self._resource_id = resource_id
        self._margin_s = refresh_margin_s
        self._now = now
        self._token: str | None = None
        self._expires_on = 0.0

    def current(self) -> str:
        if self._token is None or self.refresh_in() <= 0:
            access = self._credential.get_token(ENTRA_SCOPE)
            # a region's endpoint takes the token wrapped with the resource it is for; the resource's own endpoint, as it is
            self._token = entra_authorization_token(self._resource_id, access.token) if self._resource_id else access.token
            self._expires_on = float(access.expires_on)
        return self._token

    def refresh_in(self) -> float:
        """Seconds until the token should be replaced (0 when it should be now)."""
        return max(0.0, self._expires_on - self._margin_s - self._now())


def entra_tokens(auth: SpeechAuth, credential: TokenCredential | None) -> EntraTokens | None:
    """The Entra ID tokens the adapters sign in with, or None when a key does."""
    if not auth.uses_entra:
        return None
    return EntraTokens(credential or default_credential(), None if auth.endpoint else auth.resource_id)


def default_credential() -> TokenCredential:
    """DefaultAzureCredential: managed identity in Azure (AZURE_CLIENT_ID picks a user-assigned one), `az login` on a laptop."""
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError as e:
        raise SpeechSettingsError(
            "Azure Speech with Entra ID needs azure-identity (pip install azure-identity), or set REHEARSE_SPEECH_KEY."
        ) from e
    return DefaultAzureCredential()


# -- service errors --------------------------------------------------------------------------------------------------
_ADVICE = {
    "AuthenticationFailure": "check REHEARSE_SPEECH_KEY and REHEARSE_SPEECH_REGION, or that the signed-in identity has the "
    "'Cognitive Services Speech User' role on REHEARSE_SPEECH_RESOURCE_ID",
    "Forbidden": "the resource refused this request: its pricing tier (F0 limits) or the identity's role",
    "BadRequest": "the request was malformed: check REHEARSE_SPEECH_VOICE (a neural voice the region offers) and the language",
    "TooManyRequests": "the resource's quota or concurrency limit was hit: retry later or raise the limit",
    "ConnectionFailure": "the service could not be reached: check REHEARSE_SPEECH_REGION or REHEARSE_SPEECH_ENDPOINT (the "
    "resource's own endpoint behind a private endpoint), DNS, proxies and private endpoints",
    "ServiceTimeout": "the service did not answer in time: retry; if it persists, check the network path to the region",
    "ServiceUnavailable": "the service is unavailable in this region right now: retry later",
    "ServiceError": "the service failed: retry; Azure status or support can tell more",
    "ServiceRedirectPermanent": "the endpoint moved: update the SDK",
    "ServiceRedirectTemporary": "the endpoint is redirecting: retry",
    "EmbeddedModelError": "an embedded model failed",
    "SessionStopped": "the candidate's later speech was not recognized; the SDK log (speech_check --sdk-log) tells why",
}


def describe_cancellation(what: str, code: str, details: str) -> str:
    """One sentence for logs and exceptions: what failed, the SDK's code and words, and what to do about it."""
    advice = _ADVICE.get(code, "see the details")
    if "initialize platform" in (details or ""):  # the SDK dlopens OpenSSL 3 for TLS and says only this when it is missing
        advice = "the SDK could not load OpenSSL 3: install libssl3 and ca-certificates (Debian), then restart"
    details = " ".join((details or "").split()) or "no details"
    return f"Azure Speech {what} failed ({code or 'unknown'}): {details} -- {advice}."


# -- SSML ------------------------------------------------------------------------------------------------------------
def ssml_for(text: str, voice: str) -> str:
    """The question as SSML for one neural voice; the text is escaped so '<', '&' or quotes are spoken, not parsed.

    voice_locale() validates the voice name first, so it cannot carry markup either."""
    spoken = escape(_NOT_XML.sub(" ", text), {'"': "&quot;", "'": "&apos;"})
    locale = voice_locale(voice)
    return (
        f'<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="{locale}">'
        f'<voice name="{voice.strip()}">{spoken}</voice></speak>'
    )


# -- results ---------------------------------------------------------------------------------------------------------
def ticks_to_seconds(ticks: int | float) -> float:
    return round(float(ticks) / TICKS_PER_SECOND, 3)


def partial_words(text: str, start_s: float, end_s: float, confidence: float = 0.0) -> list[Word]:
    """Words of a partial, which the service sends without timings: the phrase's span shared out by word length.

    Good enough for live cues (pace, the last word's end); the final's measured timings replace them."""
    tokens = text.split()
    if not tokens:
        return []
    span = max(0.0, end_s - start_s)
    weights = [len(t) + 1 for t in tokens]  # +1: short words still take time to say
    total = sum(weights)
    words, at = [], start_s
    for token, weight in zip(tokens, weights, strict=True):
        step = span * weight / total
        words.append(Word(w=token, start=round(at, 3), end=round(at + step, 3), conf=confidence))
        at += step
    return words


@dataclass(frozen=True)
class DetailedPhrase:
    """One final result, times in seconds on the service's audio clock."""

    text: str
    lexical: str
    start: float
    end: float
    words: tuple[Word, ...]
    confidence: float


def parse_detailed(result_json: str, offset_ticks: int | None = None, duration_ticks: int | None = None) -> DetailedPhrase:
    """The best hypothesis of a detailed result: display text, lexical form, timed words and confidence.

    Words keep the display form (capitals, punctuation) when it is the timed lexical words, word for word, plus
    punctuation and capitals: the scoring splits sentences on it. Otherwise (numbers rewritten as digits, "okay" as
    "OK", a hesitation taken out) the words are the lexical ones.
    offset_ticks (the SDK's result.offset) re-anchors the JSON's times if the two ever disagree."""
    data = json.loads(result_json) if result_json else {}
    best = (data.get("NBest") or [{}])[0]
    confidence = _unit(best.get("Confidence", 0.0))
    json_offset = int(data.get("Offset", offset_ticks or 0))
    anchor = json_offset if offset_ticks is None else int(offset_ticks)
    shift = anchor - json_offset
    duration = int(data.get("Duration", duration_ticks or 0)) if duration_ticks is None else int(duration_ticks)
    display = str(best.get("Display") or data.get("DisplayText") or "").strip()
    lexical = str(best.get("Lexical") or "").strip()

    def timed(entries: list[dict[str, Any]]) -> list[Word]:
        words = []
        for entry in entries:
            start = int(entry.get("Offset", anchor)) + shift
            words.append(
                Word(
                    w=str(entry.get("Word", "")),
                    start=ticks_to_seconds(start),
                    end=ticks_to_seconds(start + int(entry.get("Duration", 0))),
                    conf=_unit(entry.get("Confidence", confidence)),
                )
            )
        return [w for w in words if w.w]

    if best.get("DisplayWords"):
        words = timed(best["DisplayWords"])
    else:
        words = timed(best.get("Words") or [])
        shown = display.split()
        if (
            words
            and len(shown) == len(words)
            and all(normalize_word(s) == normalize_word(w.w) for s, w in zip(shown, words, strict=True))
        ):
            words = [Word(w=s, start=w.start, end=w.end, conf=w.conf) for s, w in zip(shown, words, strict=True)]
    start_s, end_s = ticks_to_seconds(anchor), ticks_to_seconds(anchor + duration)
    text = display or lexical
    if not words and text:  # a result without word timings (an SDK or service that ignored the request)
        words = partial_words(text, start_s, end_s, confidence)
    return DetailedPhrase(
        text=text,
        lexical=lexical or " ".join(w.w for w in words),
        start=start_s,
        end=end_s,
        words=tuple(words),
        confidence=confidence,
    )


def _unit(value: Any) -> float:
    try:
        return round(min(1.0, max(0.0, float(value))), 3)
    except (TypeError, ValueError):
        return 0.0


class SilenceClock:
    """Maps the service's audio clock to the caller's: flush() pushes silence the caller never fed, so later times shift."""

    def __init__(self) -> None:
        self._spans: list[tuple[float, float]] = []  # (service time the silence starts at, its length), in order

    def add_silence(self, at_s: float, duration_s: float) -> None:
        self._spans.append((at_s, duration_s))

    def to_caller(self, service_s: float) -> float:
        shift = 0.0
        for at, length in self._spans:
            if service_s >= at + length:
                shift += length
            elif service_s > at:  # inside pushed silence: the caller's audio resumes at its start
                return round(at - shift, 3)
            else:
                break
        return round(service_s - shift, 3)


@dataclass
class _OpenPhrase:
    phrase_id: int
    offset_ticks: int
    last: Hypothesis | None = None
    heard: Counter[str] = field(default_factory=Counter)  # most of each hesitation any one partial held


class PhraseTracker:
    """The port's discipline on top of the service's results: phrase ids increase, partials come before exactly one
    final per phrase, finals come in order, times are on the caller's clock, hesitations are kept as fillers."""

    def __init__(self, clock: SilenceClock | None = None) -> None:
        self.clock = clock or SilenceClock()
        self._last_id = 0
        self._open: _OpenPhrase | None = None
        self._forced: set[int] = set()  # offsets of phrases finalized from their partial: their late results are dropped

    @property
    def in_phrase(self) -> bool:
        return self._open is not None

    def partial(self, text: str, offset_ticks: int, duration_ticks: int) -> list[Hypothesis]:
        if offset_ticks in self._forced or not text.strip():
            return []
        if self._open is None:
            self._last_id += 1
            self._open = _OpenPhrase(self._last_id, offset_ticks)
        start = self.clock.to_caller(ticks_to_seconds(offset_ticks))
        end = self.clock.to_caller(ticks_to_seconds(offset_ticks + duration_ticks))
        hyp = Hypothesis(self._open.phrase_id, text.strip(), start, end, tuple(partial_words(text, start, end)), final=False)
        self._open.last = hyp
        self._open.heard |= Counter(hesitations_in(text.split()))  # |: per kind, the larger count
        return [hyp]

    def final(self, result_json: str, offset_ticks: int, duration_ticks: int) -> list[Hypothesis]:
        if self._open is None and offset_ticks in self._forced:
            return []  # flush already gave this phrase a final from its partial; a final never changes
        phrase = parse_detailed(result_json, offset_ticks, duration_ticks)
        if not phrase.text and self._open is None:
            return []
        opened = self._open or _OpenPhrase(self._last_id + 1, offset_ticks)
        self._last_id = max(self._last_id, opened.phrase_id)
        self._open = None
        words = tuple(
            Word(w=w.w, start=self.clock.to_caller(w.start), end=self.clock.to_caller(w.end), conf=w.conf) for w in phrase.words
        )
        fillers = merge_fillers(hesitations_in(phrase.lexical.split()), list(opened.heard.elements()))
        return [
            Hypothesis(
                opened.phrase_id,
                phrase.text,
                self.clock.to_caller(phrase.start),
                self.clock.to_caller(phrase.end),
                words,
                final=True,
                confidence=phrase.confidence,
                fillers=tuple(fillers),
            )
        ]

    def no_match(self) -> list[Hypothesis]:
        """The service heard no words after all: a phrase shown as partials still gets its (empty) final."""
        if self._open is None:
            return []
        opened, self._open = self._open, None
        last = opened.last
        start, end = (last.start, last.end) if last else (0.0, 0.0)
        return [Hypothesis(opened.phrase_id, "", start, end, final=True)]

    def force_final(self) -> list[Hypothesis]:
        """The service is late with the open phrase's final: its last partial becomes the final (confidence 0)."""
        if self._open is None:
            return []
        opened, self._open = self._open, None
        self._forced.add(opened.offset_ticks)
        last = opened.last
        if last is None:
            return [Hypothesis(opened.phrase_id, "", 0.0, 0.0, final=True)]
        fillers = merge_fillers(hesitations_in(last.text.split()), list(opened.heard.elements()))
        return [Hypothesis(opened.phrase_id, last.text, last.start, last.end, last.words, final=True, fillers=tuple(fillers))]
