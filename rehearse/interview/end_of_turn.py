"""Semantic end of turn: after a short silence, ask a model whether the answer sounds finished; end the turn on a
confident yes, or on a weaker yes once the transcript of the phrase just spoken reads as a finished sentence; wait
while either says "not finished", and end anyway after the longest silence. Fed one voice decision per 20 ms frame; no
I/O, no clock, no model: the caller runs the model (off the event loop) and reports back with `model_said`, and
passes the recognizer's final for the phrase before the pause to `heard`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from rehearse.settings import Settings

from rehearse.interview.turn_text import TextVerdict, text_verdict

FRAME_S = 0.02
SPEECH_FRAMES = 10  # 200 ms of voice before an answer counts as begun: a click or a cough does not


@dataclass(frozen=True)
class Listen:
    """Nothing to do: keep feeding frames."""


@dataclass(frozen=True)
class AskModel:
    """Run the model on the audio up to and including this frame, then call `model_said(p, frame)`."""

    frame: int  # index of the frame just pushed (`SemanticTurn.frame`)
    silence_s: float  # how long the candidate has been quiet


EndReason = Literal["silence", "unsure", "short", "finished"]


@dataclass(frozen=True)
class EndTurn:
    """The answer is over now."""

    # silence: max_silence_s passed; unsure: incomplete_max_s after a "no"; short: early_end_s after a "yes" to an
    # answer shorter than min_answer_s; finished: a "yes" waited text_wait_s for a transcript that did not come
    reason: EndReason


TurnDecision = Listen | AskModel | EndTurn
LISTEN = Listen()


@dataclass(frozen=True)
class TurnThresholds:
    """How long to wait, and how sure the model must be (docs/turn-taking.md; REHEARSE_TURN_* settings)."""

    # Defaults: tuned on the dev half of the turn set (bench/turn.py --tune; docs/turn-taking.md).
    ask_after_s: float = 0.2  # silence before the first question to the model
    threshold: float = 0.5  # P(complete) at or above which the turn ends
    reask_every_s: float | None = None  # after a "no", ask again this often while the silence lasts (None: never)
    incomplete_max_s: float = 3.0  # after a "no", end once the silence is this long
    max_silence_s: float = 3.0  # end after this much silence whatever the model says (or if it never answers)
    # A "yes" ends the turn at once only when the answer holds min_answer_s of voice; before that (the opening
    # sentences of a story sound finished too) it ends the turn at early_end_s of silence.
    min_answer_s: float = 10.0
    early_end_s: float = 2.5
    # With the transcript of the phrase reading as a finished sentence, a weaker yes ends the turn: P(complete) at or
    # above text_threshold, once the answer holds text_min_answer_s of voice (None: never on the transcript's word).
    text_threshold: float | None = 0.0
    text_min_answer_s: float = 10.0
    # A confident yes waits for the transcript (which may say "...and") until this much silence (None: it does not).
    text_wait_s: float | None = 1.2

    def __post_init__(self) -> None:
        if not 0 < self.ask_after_s <= self.incomplete_max_s <= self.max_silence_s:
            raise ValueError("need 0 < ask_after_s <= incomplete_max_s <= max_silence_s")
        if not self.ask_after_s <= self.early_end_s <= self.max_silence_s or self.min_answer_s < 0:
            raise ValueError("need ask_after_s <= early_end_s <= max_silence_s and min_answer_s >= 0")
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError("threshold is a probability")
        if self.reask_every_s is not None and self.reask_every_s <= 0:
            raise ValueError("reask_every_s must be positive")
        if self.text_threshold is not None and not 0.0 <= self.text_threshold <= 1.0 or self.text_min_answer_s < 0:
            raise ValueError("text_threshold is a probability and text_min_answer_s is not negative")
        if self.text_wait_s is not None and not self.ask_after_s <= self.text_wait_s <= self.max_silence_s:
            raise ValueError("need ask_after_s <= text_wait_s <= max_silence_s")

    @classmethod
    def silence_only(cls, silence_s: float) -> TurnThresholds:
        """No model (REHEARSE_TURN_MODEL=none): the turn ends after `silence_s` of silence following speech."""
        return cls(
            ask_after_s=silence_s, incomplete_max_s=silence_s, max_silence_s=silence_s, early_end_s=silence_s, text_threshold=None, text_wait_s=None
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> TurnThresholds:
        """The REHEARSE_TURN_* settings, with end_of_turn_silence_s as the longest silence (the other waits are
        capped by it, so a short REHEARSE_END_OF_TURN_SILENCE_S alone stays valid); without a model, silence alone."""
        longest = settings.end_of_turn_silence_s
        if settings.turn_model == "none":
            return cls.silence_only(longest)
        ask = min(settings.turn_ask_after_s, longest)
        return cls(
            ask_after_s=ask,
            threshold=settings.turn_complete_threshold,
            reask_every_s=settings.turn_reask_every_s,
            incomplete_max_s=min(max(settings.turn_incomplete_max_s, ask), longest),
            max_silence_s=longest,
            min_answer_s=settings.turn_min_answer_s,
            early_end_s=min(max(settings.turn_early_end_s, ask), longest),
            text_threshold=settings.turn_text_threshold,
            text_min_answer_s=settings.turn_text_min_answer_s,
            text_wait_s=None if settings.turn_text_wait_s is None else min(max(settings.turn_text_wait_s, ask), longest),
        )


class SemanticTurn:
    """States: `waiting` (no answer yet), `speaking`, `quiet` (answer begun, now silent; at most one model question
    in flight). Frames are numbered from construction; a model answer about a frame before the candidate last
    spoke is stale and ignored."""

    def __init__(self, thresholds: TurnThresholds | None = None) -> None:
        self.thresholds = t = thresholds or TurnThresholds()
        self._ask_frames = max(1, round(t.ask_after_s / FRAME_S))
        self._reask_frames = None if t.reask_every_s is None else max(1, round(t.reask_every_s / FRAME_S))
        self._incomplete_frames = max(1, round(t.incomplete_max_s / FRAME_S))
        self._max_frames = max(1, round(t.max_silence_s / FRAME_S))
        self._early_frames = max(1, round(t.early_end_s / FRAME_S))
        self._min_answer_frames = round(t.min_answer_s / FRAME_S)
        self._text_min_answer_frames = round(t.text_min_answer_s / FRAME_S)
        self._text_wait_frames = None if t.text_wait_s is None else max(1, round(t.text_wait_s / FRAME_S))
        self._frame = -1  # never reset, so an answer about a frame before a reset cannot match a later question
        self.reset()

    def reset(self) -> None:
        """A new answer: forget the speech heard, and any model question in flight (its answer becomes stale)."""
        self._voiced_run = 0
        self._voiced_total = 0
        self._heard_speech = False
        self._quiet = 0
        self._silence_from = 0  # first frame of the current silence
        self._in_flight: int | None = None  # the frame of the question awaiting an answer
        self._next_ask: int | None = None  # quiet-frame count at which to ask (again)
        self._forget_verdicts()

    def _forget_verdicts(self) -> None:
        self._said_incomplete = False
        self._said_complete_early = False
        self._awaiting_text = False  # a confident yes, held until the transcript comes or text_wait_s passes
        self._probability: float | None = None  # the model's latest answer about this silence
        self._text: TextVerdict | None = None  # how the transcript of the phrase before this silence reads

    @property
    def frame(self) -> int:
        """Index of the last frame pushed (-1 before the first)."""
        return self._frame

    @property
    def state(self) -> Literal["waiting", "speaking", "quiet"]:
        if not self._heard_speech:
            return "waiting"
        return "quiet" if self._quiet else "speaking"

    def push(self, voiced: bool) -> TurnDecision:
        self._frame += 1
        if voiced:
            self._voiced_run += 1
            self._voiced_total += 1
            if self._quiet:  # the candidate goes on: whatever was asked is moot
                self._quiet = 0
                self._in_flight = None
                self._forget_verdicts()
            if self._voiced_run >= SPEECH_FRAMES:
                self._heard_speech = True
            return LISTEN
        self._voiced_run = 0
        if not self._heard_speech:
            return LISTEN
        self._quiet += 1
        if self._quiet == 1:
            self._silence_from = self._frame
            self._next_ask = self._ask_frames
        if self._quiet >= self._max_frames:
            return self._end("silence")
        if self._said_incomplete and self._quiet >= self._incomplete_frames:
            return self._end("unsure")
        if self._said_complete_early and self._quiet >= self._early_frames:
            return self._end("short")
        if self._awaiting_text and self._text_wait_frames is not None and self._quiet >= self._text_wait_frames:
            return self._end("finished")
        if self._in_flight is None and self._next_ask is not None and self._quiet >= self._next_ask:
            self._in_flight = self._frame
            self._next_ask = None
            return AskModel(self._frame, self._quiet * FRAME_S)
        return LISTEN

    def model_said(self, probability: float, frame: int) -> bool:
        """The model's answer to `AskModel(frame)`. True: end the turn now (the watch resets). False: go on listening
        (not finished yet, or the answer is stale: the candidate spoke again, or a reset came, since `frame`)."""
        if frame != self._in_flight or not self._heard_speech or frame < self._silence_from:
            return False
        self._in_flight = None
        self._probability = probability
        if self._settle():
            return True
        if self._said_incomplete and self._reask_frames is not None:
            self._next_ask = self._quiet + self._reask_frames
        return False

    def heard(self, text: str) -> bool:
        """The recognizer's final for the phrase that ended in this silence (the caller checks it is that phrase).
        True: end the turn now; False: go on listening. Ignored unless the candidate is quiet."""
        if self.state != "quiet":
            return False
        self._text = text_verdict(text)
        return self._settle()

    def _settle(self) -> bool:
        """Weigh what the model and the transcript said about this silence."""
        t, p, text = self.thresholds, self._probability, self._text
        if text == "unfinished":  # "...and", "was that the": wait, however finished it sounds
            self._said_incomplete, self._said_complete_early, self._awaiting_text = True, False, False
            return False
        if p is None:
            return False  # the model has not spoken yet: the transcript alone does not end a turn
        by_text = text == "finished" and t.text_threshold is not None and p >= t.text_threshold
        if by_text or p >= t.threshold:
            needed = self._text_min_answer_frames if by_text else self._min_answer_frames
            if self._voiced_total >= needed:
                if text is None and self._text_wait_frames is not None:
                    self._awaiting_text = True  # the transcript may yet say "...and"
                    return False
                self.reset()
                return True
            self._said_complete_early, self._said_incomplete = True, False  # push() ends it at early_end_s
            return False
        self._said_incomplete = True
        return False

    def _end(self, reason: EndReason) -> EndTurn:
        self.reset()
        return EndTurn(reason)
