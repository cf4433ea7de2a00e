"""Quota arithmetic: fixed counting windows, limits, and the decision with its Retry-After. The counts come from the
Store (rehearse/app/quotas.py); nothing here reads a clock or does I/O."""

from __future__ import annotations

import math
from dataclasses import dataclass

from rehearse.domain.errors import RehearseError


class QuotaExceeded(RehearseError):
    """A limit against cost abuse was reached; `retry_after_s` says when trying again can succeed (HTTP 429)."""

    code = "quota_exceeded"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class Window:
    """A fixed window [start, end) of `length_s` seconds on the Unix clock; every counter in it shares its start."""

    start: int
    length_s: int

    @classmethod
    def at(cls, now: float, length_s: int) -> Window:
        return cls(int(now // length_s) * length_s, length_s)

    @property
    def end(self) -> int:
        return self.start + self.length_s

    def remaining_s(self, now: float) -> int:
        """Whole seconds until the window ends, at least 1 (a Retry-After of 0 would invite a retry loop)."""
        return max(1, math.ceil(self.end - now))


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after_s: int = 0


def decide(count: float, limit: float, window: Window, now: float) -> Decision:
    """`count` is the counter after this request was added: allowed while it stays within `limit`."""
    if count <= limit:
        return Decision(True)
    return Decision(False, window.remaining_s(now))


def minutes(seconds: int) -> str:
    """A Retry-After as people read it: '40 s', '1 minute', '23 minutes'."""
    if seconds < 60:
        return f"{seconds} s"
    whole = math.ceil(seconds / 60)
    return "1 minute" if whole == 1 else f"{whole} minutes"
