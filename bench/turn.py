"""End of turn on the labelled turn set (eval/turn_set.py): the relay's voice activity (WebRTC VAD, one decision per
20 ms frame) + SemanticTurn + the Smart Turn model, run frame by frame over every answer, as if in real time: a model
answer arrives after its measured compute time, and is stale if the candidate spoke meanwhile.

false_cutoff_rate        share of "mid" pauses (thinking pauses; pauses between a story's opening sentences) in
                         which the turn was ended (target <= 0.03); ends inside speech are counted too
end_of_turn_decision_ms  last voiced frame -> decision to end, at the real end of an answer, model time included
                         (target p50 < 400, p95 < 900)
smart_turn_ms            one model call (8 s of audio -> P(complete)), one thread
missed_ends              answers whose end the model did not confirm (they end on a silence timeout instead)
A cut-off before trailing closing words ("So yeah, that's it.") counts as the answer's end, and is reported apart.

The transcript is simulated as the relay gets it from the embedded recognizer: phrases end after 0.5 s of silence,
Whisper decodes a phrase speculatively once its pause reaches 0.2 s, and the final reaches the turn detector at the
later of the phrase's end and that decode's end. Whisper's texts and decode times are cached beside the turn set
(turn-texts.json), so a second run replays the first one's recognizer.

    .venv/bin/python -m bench.turn            # dev and held-out with the configured thresholds
    .venv/bin/python -m bench.turn --tune     # also search thresholds on dev (never on held-out)
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from dataclasses import dataclass, field, replace

import numpy as np

from bench.stats import percentiles
from eval.turn_set import TurnAnswer, build
from rehearse.adapters.local.smart_turn import SmartTurnModel
from rehearse.interview.end_of_turn import FRAME_S, AskModel, EndTurn, SemanticTurn, TurnThresholds
from rehearse.interview.phrases import PhraseCutter
from rehearse.interview.turn_text import trusted_text
from rehearse.settings import Settings

FRAME = 320
WINDOW = 8 * 16000
FALSE_CUTOFF_TARGET = 0.03


class _Model:
    """The real model with a cache by (answer, frame): tuning replays the same questions many times."""

    def __init__(self, model: SmartTurnModel) -> None:
        self._model = model
        self._cache: dict[tuple[str, int], tuple[float, float]] = {}

    def ask(self, answer: TurnAnswer, audio: np.ndarray, frame: int) -> tuple[float, float]:
        key = (answer.id, frame)
        if key not in self._cache:
            started = time.perf_counter()
            p = self._model.complete_probability(audio[max(0, (frame + 1) * FRAME - WINDOW) : (frame + 1) * FRAME])
            self._cache[key] = (p, (time.perf_counter() - started) * 1000)
        return self._cache[key]


PHRASE_SILENCE_FRAMES = 25  # the recognizer ends a phrase after 0.5 s of silence (TwoPassRecognizer)
SPECULATE_FRAMES = 10  # and decodes it once the pause reaches 0.2 s


class _Texts:
    """Whisper's final for a phrase, decoded as the recognizer does, cached on disk with its decode time."""

    def __init__(self, path, settings: Settings) -> None:
        self._path = path
        self._settings = settings
        self._finals = None
        self._cache: dict[str, list] = json.loads(path.read_text()) if path.is_file() else {}
        self._dirty = False

    def text(self, answer: TurnAnswer, frame: int, begin_s: float, audio: np.ndarray) -> tuple[str, float]:
        key = f"{answer.id}:{frame}"
        if key not in self._cache:
            if self._finals is None:
                from rehearse.config import whisper_finals

                self._finals = whisper_finals(self._settings)
            started = time.perf_counter()
            words, _ = self._finals.transcribe(audio, begin_s)
            self._cache[key] = [[[w.w, w.conf] for w in words], (time.perf_counter() - started) * 1000]
            self._dirty = True
        words, ms = self._cache[key]
        return trusted_text([(w, conf) for w, conf in words]), ms

    def save(self) -> None:
        if self._dirty:
            self._path.write_text(json.dumps(self._cache, indent=0))
            self._dirty = False


class _NoVoiceActivity:
    def is_speech(self, frame) -> bool:  # the cutter is always told the relay's decision
        raise AssertionError("decided by the caller")


@dataclass
class Outcome:
    mid_pauses: int = 0
    cut_in_mid: int = 0
    cut_in_speech: int = 0
    cut_before_closing: int = 0
    closings: int = 0
    ends: int = 0
    missed_ends: int = 0
    short_ends: int = 0
    text_ends: int = 0
    cuts: list[str] = field(default_factory=list)  # "answer id: the words before the pause cut, (how)"
    decision_ms: list[float] = field(default_factory=list)
    long_decision_ms: list[float] = field(default_factory=list)  # of answers holding min_answer_s of voice or more
    model_ms: list[float] = field(default_factory=list)

    @property
    def false_cutoff_rate(self) -> float:
        return (self.cut_in_mid + self.cut_in_speech) / max(1, self.mid_pauses)


def _where(answer: TurnAnswer, t: float) -> tuple[str, int]:
    """The pause (label, index) a decision at audio time t falls in, or ("speech", -1)."""
    for i, pause in enumerate(answer.pauses):
        if pause.start_s - 0.1 <= t <= pause.start_s + pause.duration_s + 0.1:
            return pause.label, i
    return "speech", -1


def run_answer(
    answer: TurnAnswer, audio: np.ndarray, voiced: list[bool], model: _Model, texts: _Texts | None, thresholds: TurnThresholds, out: Outcome
) -> None:
    turn = SemanticTurn(thresholds)
    cutter = PhraseCutter(_NoVoiceActivity(), silence_s=PHRASE_SILENCE_FRAMES * FRAME_S)
    pending: list[tuple[float, float, int, float]] = []  # (arrival time, p, asked frame, model ms)
    finals: list[tuple[float, str]] = []  # (arrival time, text) of the phrase before the current pause
    last_voiced_t = 0.0
    ended: set[int] = set()
    cut = False
    for f, is_voiced in enumerate(voiced):
        now = (f + 1) * FRAME_S  # the frame is complete: it can be pushed
        decision_t = None
        for item in [x for x in pending if x[0] <= now]:  # a model answer that came back while this frame arrived
            pending.remove(item)
            arrival, p, asked, _ = item
            if turn.model_said(p, asked):
                decision_t, reason = arrival, "model" if p >= thresholds.threshold else "text"
                pending.clear()
                break
        for item in [x for x in finals if x[0] <= now] if decision_t is None else []:
            finals.remove(item)
            if turn.heard(item[1]):
                decision_t, reason = item[0], "text"
                pending.clear()
                break
        cutter.push(audio[f * FRAME : (f + 1) * FRAME], is_voiced)
        if texts is not None and cutter.in_phrase and cutter.quiet_frames == SPECULATE_FRAMES and not any(voiced[f + 1 : f + 1 + PHRASE_SILENCE_FRAMES - SPECULATE_FRAMES]):
            begin_s, _, phrase = cutter.phrase_so_far()  # a pause that will end the phrase: its final is coming
            text, ms = texts.text(answer, f, begin_s, phrase)
            finals.append((max(now + ms / 1000, now + (PHRASE_SILENCE_FRAMES - SPECULATE_FRAMES) * FRAME_S), text))
        if decision_t is None:
            decision = turn.push(is_voiced)
            if is_voiced:
                last_voiced_t = now
                finals.clear()  # a final arriving while the candidate speaks again is not about this pause
            if isinstance(decision, AskModel):
                p, ms = model.ask(answer, audio, decision.frame)
                out.model_ms.append(ms)
                pending.append((now + ms / 1000, p, decision.frame, ms))
            elif isinstance(decision, EndTurn):
                decision_t, reason = now, decision.reason
                pending.clear()
        if decision_t is None:
            continue
        label, index = _where(answer, decision_t)
        if label == "speech":
            out.cut_in_speech += 1
            out.cuts.append(f"{answer.id}: inside speech ({reason})")
            cut = True
        elif label == "mid" and index not in ended:
            out.cut_in_mid += 1
            out.cuts.append(f"{answer.id}: after {answer.pauses[index].after[-40:]!r} ({reason})")
            cut = True
        elif label in ("closing", "end"):  # the answer is over (closing words would be said over the interviewer)
            out.cut_before_closing += label == "closing"
            if not cut:  # after a false cut-off the watch restarted mid-answer: its timing says nothing
                out.decision_ms.append((decision_t - last_voiced_t) * 1000)
                if reason != "short":
                    out.long_decision_ms.append((decision_t - last_voiced_t) * 1000)
                out.missed_ends += reason in ("silence", "unsure")
                out.short_ends += reason == "short"
                out.text_ends += reason == "text"
            break
        ended.add(index)
    out.mid_pauses += sum(p.label == "mid" for p in answer.pauses)
    out.closings += sum(p.label == "closing" for p in answer.pauses)
    out.ends += sum(p.label == "end" for p in answer.pauses) - cut


def evaluate(answers: list[tuple[TurnAnswer, np.ndarray, list[bool]]], model: _Model, texts: _Texts | None, thresholds: TurnThresholds) -> Outcome:
    out = Outcome()
    for answer, audio, voiced in answers:
        run_answer(answer, audio, voiced, model, texts if thresholds.text_threshold is not None else None, thresholds, out)
    if texts is not None:
        texts.save()
    return out


def _prepare(split: str, settings: Settings) -> list[tuple[TurnAnswer, np.ndarray, list[bool]]]:
    from rehearse.adapters.local.webrtc_vad import WebRtcVoiceActivity

    vad = WebRtcVoiceActivity(settings.vad_aggressiveness)  # as the relay's AudioFanOut: one decision per frame
    prepared = []
    for answer in build():
        if answer.split == split:
            audio = answer.audio()
            frames = audio.size // FRAME
            prepared.append((answer, audio, [vad.is_speech(audio[i * FRAME : (i + 1) * FRAME]) for i in range(frames)]))
    return prepared


def _score(out: Outcome) -> tuple:
    """Lower is better: meet the cut-off target first, then the fastest p50 + p95."""
    ms = np.asarray(out.decision_ms)
    p50, p95 = float(np.percentile(ms, 50)), float(np.percentile(ms, 95))
    return (out.false_cutoff_rate > FALSE_CUTOFF_TARGET, p50 + p95, out.false_cutoff_rate)


def tune(dev, model: _Model, texts: _Texts, base: TurnThresholds) -> TurnThresholds:
    """Ask after 0.2 s, never re-ask, end a "no" at 3 s: chosen on the turn set without the transcript
    (docs/turn-taking.md); the search is over how sure the model must be, alone and with a finished transcript, how
    much an answer must hold, and whether a confident yes waits for the transcript."""
    # A confident yes always waits for the transcript: on the first tuning run, every cut-off of the model alone was a
    # half clause that sounds finished ("What I would do differently is", 4 of 4 on dev, every voice).
    grid = itertools.product((0.5, 0.7, 0.9), (6.0, 10.0), (1.6, 2.0, 2.5), (0.0, 0.02, 0.05, 0.1, 0.2), (3.0, 6.0, 10.0), (0.8, 1.2))
    best = None
    for threshold, min_answer, early, text_threshold, text_min, text_wait in grid:
        candidate = replace(base, ask_after_s=0.2, reask_every_s=None, incomplete_max_s=3.0, threshold=threshold, min_answer_s=min_answer,
                            early_end_s=early, text_threshold=text_threshold, text_min_answer_s=text_min, text_wait_s=text_wait)  # fmt: skip
        out = evaluate(dev, model, texts, candidate)
        score = _score(out)
        ms = np.asarray(out.decision_ms)
        print(json.dumps({"tune": [threshold, min_answer, early, text_threshold, text_min, text_wait], "false_cutoff_rate": round(out.false_cutoff_rate, 3),
                          "p50": round(float(np.percentile(ms, 50))), "p95": round(float(np.percentile(ms, 95))), "missed": out.missed_ends,
                          "short": out.short_ends, "text": out.text_ends}),
              file=sys.stderr)  # fmt: skip
        if best is None or score < best[0]:
            best = (score, candidate)
    assert best is not None
    return best[1]


def report(split: str, out: Outcome, thresholds: TurnThresholds) -> list[dict]:
    common = {"split": split, "thresholds": {k: v for k, v in vars(thresholds).items()}}
    return [
        {"metric": "false_cutoff_rate", "value": round(out.false_cutoff_rate, 3), "unit": "fraction", "target": FALSE_CUTOFF_TARGET,
         "mid_pauses": out.mid_pauses, "cut_in_mid_pause": out.cut_in_mid, "cut_inside_speech": out.cut_in_speech,
         "cut_before_closing_words": out.cut_before_closing, "closings": out.closings, **common},
        {"metric": "end_of_turn_decision_ms", **percentiles(out.decision_ms), "target_p50": 550, "target_p95": 1150,
         "measured": "last voiced frame -> decision to end (model time included)", **common},
        {"metric": "end_of_turn_decision_ms_full_answers", **percentiles(out.long_decision_ms),
         "measured": "as end_of_turn_decision_ms, for answers holding min_answer_s of voice (short ones wait early_end_s)", **common},
        {"metric": "smart_turn_ms", **percentiles(out.model_ms), "threads": 1, **common},
        {"metric": "missed_ends", "value": out.missed_ends, "ends": out.ends, "short_answer_ends": out.short_ends, "ended_on_transcript": out.text_ends,
         "meaning": "answer ends the model did not confirm: they ended on a silence timeout (short_answer_ends: the model"
                    " said finished, but the answer was shorter than min_answer_s, so it ended at early_end_s)", **common},
    ]  # fmt: skip


def run(tune_thresholds: bool = False) -> list[dict]:
    settings = Settings()
    loaded = SmartTurnModel(settings.smart_turn_dir)
    model = _Model(loaded)
    thresholds = TurnThresholds.from_settings(settings)
    dev = _prepare("dev", settings)
    texts = _Texts(dev[0][0].audio_path.parent / "turn-texts.json", settings)
    if tune_thresholds:
        thresholds = tune(dev, model, texts, thresholds)
    heldout = _prepare("heldout", settings)
    lines = []
    for split, answers in (("dev", dev), ("heldout", heldout)):
        fresh = _Model(loaded)  # every call of the reported run is timed afresh (the cache holds tuning's calls)
        lines += report(split, evaluate(answers, fresh, texts, thresholds), thresholds)
    return lines


if __name__ == "__main__":
    for line in run("--tune" in sys.argv[1:]):
        print(json.dumps(line), flush=True)
