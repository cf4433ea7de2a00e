"""Instant cues: short, rate-limited nudges computed from the live transcript while the candidate answers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rehearse.domain.fillers import HESITATIONS, normalize_word

_RESULT = re.compile(
    r"\b(\d+|percent|result|results|resulted|reduced|increased|improved|saved|grew|cut|doubled|halved|tripled|"
    r"faster|fewer|revenue|led to|so that|outcome|impact)\b"
)


@dataclass(frozen=True)
class Cue:
    kind: str
    text: str


WRAP_UP = Cue("wrap_up", "Wrap up this example")
SLOW_DOWN = Cue("slow_down", "Slow down")
FEWER_FILLERS = Cue("fewer_fillers", "Fewer fillers: pause instead")
TAKE_A_MOMENT = Cue("take_a_moment", "Take a moment, then start with the situation")
ADD_RESULT = Cue("add_result", "Add a concrete result")


@dataclass(frozen=True)
class CueRules:
    fast_wpm: float = 180.0
    pace_window_s: float = 20.0
    pace_min_words: int = 15
    filler_window_s: float = 30.0
    filler_max: int = 3
    silent_start_s: float = 8.0
    result_after_s: float = 60.0
    min_gap_s: float = 15.0  # between any two cues: help, don't nag
    repeat_gap_s: float = 60.0  # before the same cue again
    max_per_answer: int = 4
    repeatable: frozenset[str] = frozenset({"slow_down", "fewer_fillers"})


@dataclass
class CueEngine:
    """One answer at a time. Times are seconds on one clock (the relay uses the stream's audio time)."""

    rules: CueRules = field(default_factory=CueRules)
    _start_s: float = 0.0
    _limit_s: float = 120.0
    _given: list[tuple[float, str]] = field(default_factory=list)

    def start_answer(self, now_s: float, time_limit_s: float = 120.0) -> None:
        self._start_s = now_s
        self._limit_s = time_limit_s
        self._given = []

    def check(self, now_s: float, words: list[tuple[str, float]]) -> Cue | None:
        """The cue to show now, if any. `words`: (word, end time) of the answer so far, in time order."""
        if not self._may_speak(now_s):
            return None
        for cue in self._due(now_s, words):
            if self._allowed(cue, now_s):
                self._given.append((now_s, cue.kind))
                return cue
        return None

    def _may_speak(self, now_s: float) -> bool:
        if len(self._given) >= self.rules.max_per_answer:
            return False
        return not self._given or now_s - self._given[-1][0] >= self.rules.min_gap_s

    def _allowed(self, cue: Cue, now_s: float) -> bool:
        earlier = [t for t, kind in self._given if kind == cue.kind]
        if not earlier:
            return True
        return cue.kind in self.rules.repeatable and now_s - earlier[-1] >= self.rules.repeat_gap_s

    def _due(self, now_s: float, words: list[tuple[str, float]]) -> list[Cue]:
        rules = self.rules
        elapsed = now_s - self._start_s
        due: list[Cue] = []
        if not words:
            if elapsed >= rules.silent_start_s:
                due.append(TAKE_A_MOMENT)
            return due
        if elapsed >= self._limit_s:
            due.append(WRAP_UP)
        recent = [w for w, t in words if t >= now_s - rules.pace_window_s]
        spoken_s = min(rules.pace_window_s, now_s - words[0][1] + 0.5)
        if len(recent) >= rules.pace_min_words and spoken_s > 5 and len(recent) / spoken_s * 60 > rules.fast_wpm:
            due.append(SLOW_DOWN)
        fillers = [w for w, t in words if t >= now_s - rules.filler_window_s and normalize_word(w) in HESITATIONS]
        if len(fillers) >= rules.filler_max:
            due.append(FEWER_FILLERS)
        if elapsed >= rules.result_after_s and not _RESULT.search(" ".join(w for w, _ in words).lower()):
            due.append(ADD_RESULT)
        return due
