"""Barge-in: the candidate starts to speak while the interviewer is talking.

A person who is interrupted falls silent at once and then either goes on (it was a cough, a one-word "okay") or
gives the floor. So does the interviewer: `hold_s` of the candidate's voice pauses it (silent within a few hundred
milliseconds of the first voiced frame); if the voice stops within `release_s` before `interrupt_s` of voice has been
heard, it goes on from a little before where it paused; if the voice goes on to `interrupt_s`, the interviewer stops
and listens. It reads the voice-activity decision of each 20 ms frame, made once upstream, and the browser's echo
cancellation keeps the interviewer's own voice out of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rehearse.interview.phrases import FRAME_S

Decision = Literal["hold", "release", "interrupt"]


@dataclass(frozen=True)
class BargeInLimits:
    hold_s: float = 0.16  # voice in a row before the interviewer pauses (a click or a breath is shorter)
    interrupt_s: float = 0.6  # voice, counted since the hold, that takes the floor ("okay" is about 0.3-0.4 s)
    release_s: float = 0.4  # quiet, during a hold, after which the interviewer goes on


class BargeIn:
    def __init__(self, limits: BargeInLimits | None = None) -> None:
        limits = limits or BargeInLimits()
        self._hold = max(1, round(limits.hold_s / FRAME_S))
        self._interrupt = max(self._hold, round(limits.interrupt_s / FRAME_S))
        self._release = max(1, round(limits.release_s / FRAME_S))
        self.reset()

    def reset(self) -> None:
        self._run = 0  # voiced frames in a row, before a hold
        self._held = False
        self._voiced = 0  # voiced frames since the run that caused the hold began
        self._quiet = 0  # unvoiced frames in a row, during a hold

    @property
    def held(self) -> bool:
        return self._held

    def push(self, voiced: bool) -> Decision | None:
        """One frame's decision while the interviewer speaks; a decision is returned once, when it is reached."""
        if not self._held:
            self._run = self._run + 1 if voiced else 0
            if self._run >= self._hold:
                self._held, self._voiced, self._quiet = True, self._run, 0
                return "hold"
            return None
        if voiced:
            self._voiced += 1
            self._quiet = 0
            if self._voiced >= self._interrupt:
                self.reset()
                return "interrupt"
            return None
        self._quiet += 1
        if self._quiet >= self._release:
            self.reset()
            return "release"
        return None
