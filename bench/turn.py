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
    decision_ms: list[float] = field(default_factory=list)
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


def run_answer(answer: TurnAnswer, audio: np.ndarray, voiced: list[bool], model: _Model, thresholds: TurnThresholds, out: Outcome) -> None:
    turn = SemanticTurn(thresholds)
    pending: list[tuple[float, float, int, float]] = []  # (arrival time, p, asked frame, model ms)
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
                decision_t, reason = arrival, "model"
                pending.clear()
                break
        if decision_t is None:
            decision = turn.push(is_voiced)
            if is_voiced:
                last_voiced_t = now
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
            cut = True
        elif label == "mid" and index not in ended:
            out.cut_in_mid += 1
            cut = True
        elif label in ("closing", "end"):  # the answer is over (closing words would be said over the interviewer)
            out.cut_before_closing += label == "closing"
            if not cut:  # after a false cut-off the watch restarted mid-answer: its timing says nothing
                out.decision_ms.append((decision_t - last_voiced_t) * 1000)
                out.missed_ends += reason in ("silence", "unsure")
                out.short_ends += reason == "short"
            break
        ended.add(index)
    out.mid_pauses += sum(p.label == "mid" for p in answer.pauses)
    out.closings += sum(p.label == "closing" for p in answer.pauses)
    out.ends += sum(p.label == "end" for p in answer.pauses) - cut


def evaluate(answers: list[tuple[TurnAnswer, np.ndarray, list[bool]]], model: _Model, thresholds: TurnThresholds) -> Outcome:
    out = Outcome()
    for answer, audio, voiced in answers:
        run_answer(answer, audio, voiced, model, thresholds, out)
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
    """Lower is better: meet the cut-off target first, then the latency targets, then the fastest p50 + p95."""
    ms = np.asarray(out.decision_ms)
    p50, p95 = float(np.percentile(ms, 50)), float(np.percentile(ms, 95))
    return (out.false_cutoff_rate > FALSE_CUTOFF_TARGET, p50 >= 400, p95 >= 900, p50 + p95, out.false_cutoff_rate)


def tune(dev, model: _Model, base: TurnThresholds) -> TurnThresholds:
    grid = itertools.product((0.2, 0.3), (0.5, 0.7, 0.8, 0.9, 0.95), (None, 0.3, 0.5), (2.5, 3.0), (0.0, 6.0, 10.0, 15.0), (1.6, 2.0, 2.5))
    best = None
    for ask, threshold, reask, incomplete, min_answer, early in grid:
        candidate = replace(base, ask_after_s=ask, threshold=threshold, reask_every_s=reask, incomplete_max_s=incomplete, min_answer_s=min_answer, early_end_s=early)
        out = evaluate(dev, model, candidate)
        score = _score(out)
        ms = np.asarray(out.decision_ms)
        print(json.dumps({"tune": [ask, threshold, reask, incomplete, min_answer, early], "false_cutoff_rate": round(out.false_cutoff_rate, 3),
                          "p50": round(float(np.percentile(ms, 50))), "p95": round(float(np.percentile(ms, 95))), "missed": out.missed_ends, "short": out.short_ends}),
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
        {"metric": "end_of_turn_decision_ms", **percentiles(out.decision_ms), "target_p50": 400, "target_p95": 900,
         "measured": "last voiced frame -> decision to end (model time included)", **common},
        {"metric": "smart_turn_ms", **percentiles(out.model_ms), "threads": 1, **common},
        {"metric": "missed_ends", "value": out.missed_ends, "ends": out.ends, "short_answer_ends": out.short_ends,
         "meaning": "answer ends the model did not confirm: they ended on a silence timeout (short_answer_ends: the model"
                    " said finished, but the answer was shorter than min_answer_s, so it ended at early_end_s)", **common},
    ]  # fmt: skip


def run(tune_thresholds: bool = False) -> list[dict]:
    settings = Settings()
    loaded = SmartTurnModel(settings.smart_turn_dir)
    model = _Model(loaded)
    thresholds = TurnThresholds.from_settings(settings)
    dev = _prepare("dev", settings)
    if tune_thresholds:
        thresholds = tune(dev, model, thresholds)
    heldout = _prepare("heldout", settings)
    lines = []
    for split, answers in (("dev", dev), ("heldout", heldout)):
        fresh = _Model(loaded)  # every call of the reported run is timed afresh (the cache holds tuning's calls)
        lines += report(split, evaluate(answers, fresh, thresholds), thresholds)
    return lines


if __name__ == "__main__":
    for line in run("--tune" in sys.argv[1:]):
        print(json.dumps(line), flush=True)
