"""How much audio a session may still stream: the longest answer and the longest interview, in audio seconds.

Pure bookkeeping for the relay's audio stages: it counts what is streamed, says once when a limit is passed, and hands
over the seconds not yet added to the session's counter in the Store (which carries them across connections)."""

from __future__ import annotations

from typing import Literal

Refusal = Literal["answer", "interview"]


class AudioAllowance:
    def __init__(self, answer_limit_s: float, interview_limit_s: float, used_s: float) -> None:
        """used_s: the interview's audio streamed on earlier connections (the Store's counter)."""
        self._answer_limit_s = answer_limit_s
        self._interview_limit_s = interview_limit_s
        self.answer_s = 0.0
        self.interview_s = used_s
        self._unsynced_s = 0.0
        self._refused: Refusal | None = None

    @property
    def refusing(self) -> bool:
        """True once a limit was passed: until the next answer (the answer's), or for good (the interview's)."""
        return self._refused is not None

    def take(self, seconds: float) -> Refusal | None:
        """Count `seconds` of streamed audio; the limit it passes, the first time only. Refused audio is not counted."""
        if self._refused is not None:
            return None
        if self.interview_s + seconds > self._interview_limit_s:
            self._refused = "interview"
            return "interview"
        if self.answer_s + seconds > self._answer_limit_s:
            self._refused = "answer"
            return "answer"
        self.answer_s += seconds
        self.interview_s += seconds
        self._unsynced_s += seconds
        return None

    def new_answer(self) -> None:
        """The next answer opens: its own limit starts afresh; the interview's, once passed, still holds."""
        self.answer_s = 0.0
        if self._refused == "answer":
            self._refused = None

    def unsynced_s(self, at_least: float = 0.0) -> float:
        """The seconds counted since the last call, when they are at least `at_least` (else 0: not worth a write)."""
        if self._unsynced_s < at_least or self._unsynced_s <= 0:
            return 0.0
        seconds, self._unsynced_s = self._unsynced_s, 0.0
        return seconds
