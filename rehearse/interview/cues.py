"""Instant cues: short, rate-limited nudges computed from the live transcript while the candidate answers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from rehearse.domain.analysis_model import Word
from rehearse.domain.fillers import HESITATIONS, normalize_word
from rehearse.domain.pace import counts_towards_pace, words_per_minute

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
    # "Slow down": the pace as the score defines it (rehearse/domain/pace.py), over the finals of the last
    # `pace_window_s`, once they span `pace_min_speech_s`, above the top of the range the score calls good (the role's
    # rubric, rehearse/app/live_cues.py; None: no pace cue) by more than the margin. The margin: a window ends with a
    # phrase and leaves out the pause after it, so it reads a few wpm faster than the whole answer will.
    good_pace_max_wpm: float | None = None
    pace_margin_wpm: float = 5.0
    pace_window_s: float = 30.0
    pace_min_speech_s: float = 20.0
    pace_min_words: int = 40
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

    def check(self, now_s: float, finals: Sequence[Word], partial: Sequence[Word] = ()) -> Cue | None:
        """The cue to show now, if any. `finals`: the answer's final words so far, in time order; `partial`: the phrase
        being spoken, as its latest partial has it (its words may still change, so they do not count towards pace)."""
        if not self._may_speak(now_s):
            return None
        for cue in self._due(now_s, finals, [*finals, *partial]):
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

    def _due(self, now_s: float, finals: Sequence[Word], words: Sequence[Word]) -> list[Cue]:
        rules = self.rules
        elapsed = now_s - self._start_s
        due: list[Cue] = []
        if not words:
            if elapsed >= rules.silent_start_s:
                due.append(TAKE_A_MOMENT)
            return due
        if elapsed >= self._limit_s:
            due.append(WRAP_UP)
        if self._too_fast(now_s, finals):
            due.append(SLOW_DOWN)
        fillers = [w for w in words if w.end >= now_s - rules.filler_window_s and normalize_word(w.w) in HESITATIONS]
        if len(fillers) >= rules.filler_max:
            due.append(FEWER_FILLERS)
        if elapsed >= rules.result_after_s and not _RESULT.search(" ".join(w.w for w in words).lower()):
            due.append(ADD_RESULT)
        return due

    def _too_fast(self, now_s: float, finals: Sequence[Word]) -> bool:
        rules = self.rules
        if rules.good_pace_max_wpm is None:
            return False
        recent = [w for w in finals if w.start >= now_s - rules.pace_window_s]
        counted = [w for w in recent if counts_towards_pace(w.w)]
        if len(counted) < rules.pace_min_words or recent[-1].end - recent[0].start < rules.pace_min_speech_s:
            return False
        return words_per_minute(len(counted), recent[0].start, recent[-1].end) > rules.good_pace_max_wpm + rules.pace_margin_wpm
