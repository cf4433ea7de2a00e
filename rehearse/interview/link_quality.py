"""Link quality: classifies a live connection as good, poor or lost from round trips, ping loss and media statistics.

Both ends run these rules: the relay on its own pings (media_relay/session.py), the page on its pings plus
`getStats()` figures (web/link.js, `LINK_THRESHOLDS`, `PingBook`, `LinkQuality`: the same numbers and the same
steps; tests/test_link_quality.py checks the numbers match).

The rules, with the defaults of `Thresholds`:
- lost: nothing heard from the other side (media packets or data channel messages) for 4 s. The relay's voice
  track sends a frame every 20 ms even when the interviewer is quiet, and the page's microphone track does too,
  so packets stopping is the fastest sign of a dead link.
- poor reading: any of RTT > 400 ms (the median of the last 3 samples), more than 30 % of the last 6 pings
  unanswered within 3 s, RTP packet loss > 5 %, jitter > 50 ms, available outgoing bandwidth < 50 kbps
  (Opus voice with its overhead needs about 40).
- hysteresis: good becomes poor after 2 poor readings in a row (one spike is not a bad link); poor becomes good
  after 3 good readings in a row. Readings come once a second.
- back from lost: good at once, and the next 3 readings cannot make it poor. Figures just after a silence describe
  the silence, not the link: an RTCP report that counts the blackout's packets as lost, a probe retransmitted
  through it, pings it swallowed. For the same reason unanswered pings and round-trip samples are forgotten while
  the link settles (`LinkWatch`).
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, Field


class LinkState(StrEnum):
    GOOD = "good"
    POOR = "poor"
    LOST = "lost"


@dataclass(frozen=True)
class Thresholds:
    lost_after_s: float = 4.0
    poor_rtt_ms: float = 400.0
    poor_ping_loss: float = 0.3
    poor_packet_loss: float = 0.05
    poor_jitter_ms: float = 50.0
    poor_available_kbps: float = 50.0
    enter_poor_readings: int = 2
    leave_poor_readings: int = 3
    settle_readings: int = 3
    ping_interval_s: float = 5.0
    ping_timeout_s: float = 3.0
    ping_window: int = 6
    rtt_samples: int = 3


THRESHOLDS = Thresholds()

# What a poor link changes on the relay: partial transcripts at most this often (finals always go out), and
# cues as a short label per kind instead of a sentence.
PARTIAL_GAP_WHEN_POOR_S = 1.0
SHORT_CUES = {
    "wrap_up": "Wrap up",
    "slow_down": "Slow down",
    "fewer_fillers": "Fewer fillers",
    "take_a_moment": "Take a moment",
    "add_result": "Add a result",
}


class LinkFigures(BaseModel):
    """One side's measurements of the link; `None` where that side cannot measure a figure."""

    rtt_ms: float | None = Field(default=None, ge=0, le=600_000)
    ping_loss: float | None = Field(default=None, ge=0, le=1)
    packet_loss: float | None = Field(default=None, ge=0, le=1)
    jitter_ms: float | None = Field(default=None, ge=0, le=600_000)
    available_kbps: float | None = Field(default=None, ge=0, le=100_000_000)


def poor_reasons(figures: LinkFigures, thresholds: Thresholds = THRESHOLDS) -> list[str]:
    """Which figures are beyond their threshold; empty for a good reading."""
    t = thresholds
    checks = [
        ("rtt", figures.rtt_ms is not None and figures.rtt_ms > t.poor_rtt_ms),
        ("ping_loss", figures.ping_loss is not None and figures.ping_loss > t.poor_ping_loss),
        ("packet_loss", figures.packet_loss is not None and figures.packet_loss > t.poor_packet_loss),
        ("jitter", figures.jitter_ms is not None and figures.jitter_ms > t.poor_jitter_ms),
        ("bandwidth", figures.available_kbps is not None and figures.available_kbps < t.poor_available_kbps),
    ]
    return [name for name, poor in checks if poor]


class LinkQuality:
    """The state machine: one `update` per reading, hysteresis between good and poor."""

    def __init__(self, thresholds: Thresholds = THRESHOLDS) -> None:
        self._t = self.thresholds = thresholds
        self.state = LinkState.GOOD
        self.reasons: list[str] = []
        self._run = 0  # consecutive readings that disagree with the current state
        self._settle = 0  # readings left that cannot make the link poor, after it came back from lost

    @property
    def settling(self) -> bool:
        return self._settle > 0

    def update(self, figures: LinkFigures, silent_s: float) -> LinkState:
        if silent_s >= self._t.lost_after_s:
            self.state, self.reasons, self._run, self._settle = LinkState.LOST, ["silent"], 0, 0
            return self.state
        if self.state is LinkState.LOST:
            self.state, self._run, self._settle = LinkState.GOOD, 0, self._t.settle_readings
        if self._settle > 0:
            self._settle -= 1
            self.reasons = []
            return self.state
        self.reasons = poor_reasons(figures, self._t)
        poor = bool(self.reasons)
        if poor == (self.state is LinkState.POOR):
            self._run = 0
        else:
            self._run += 1
            needed = self._t.enter_poor_readings if poor else self._t.leave_poor_readings
            if self._run >= needed:
                self.state, self._run = (LinkState.POOR if poor else LinkState.GOOD), 0
        return self.state


class PingBook:
    """Pings in flight and their outcomes: recent round-trip times and the share of pings never answered in time."""

    def __init__(self, thresholds: Thresholds = THRESHOLDS) -> None:
        self._t = thresholds
        self._in_flight: dict[float, float] = {}  # wire stamp -> local send time (s)
        self._outcomes: deque[bool] = deque(maxlen=thresholds.ping_window)  # True: answered in time
        self._rtts: deque[float] = deque(maxlen=thresholds.rtt_samples)
        self._ever_answered = False
        self.last_sent_s: float | None = None

    def due(self, now_s: float) -> bool:
        return self.last_sent_s is None or now_s - self.last_sent_s >= self._t.ping_interval_s

    def sent(self, stamp: float, now_s: float) -> None:
        self.expire(now_s)
        self._in_flight[stamp] = now_s
        self.last_sent_s = now_s

    def answered(self, stamp: float, now_s: float) -> float | None:
        """The round trip in ms; None for a pong to no ping in flight (unknown, or already counted lost)."""
        self.expire(now_s)
        sent = self._in_flight.pop(stamp, None)
        if sent is None:
            return None
        rtt_ms = max(0.0, (now_s - sent) * 1000)
        self._ever_answered = True
        self._outcomes.append(True)
        self._rtts.append(rtt_ms)
        return rtt_ms

    def forgive(self) -> None:
        """Forget what a silence did to the pings: those it swallowed, and round trips measured across it."""
        self._in_flight.clear()
        kept = [ok for ok in self._outcomes if ok]
        self._outcomes.clear()
        self._outcomes.extend(kept)
        self._rtts.clear()

    def expire(self, now_s: float) -> None:
        for stamp, sent in list(self._in_flight.items()):
            if now_s - sent > self._t.ping_timeout_s:
                del self._in_flight[stamp]
                self._outcomes.append(False)

    @property
    def rtt_ms(self) -> float | None:
        """Median of the recent round trips: one slow pong is not a slow link."""
        return statistics.median(self._rtts) if self._rtts else None

    @property
    def loss(self) -> float | None:
        """None until the other side has answered once: a client that never answers (one older than the relay's
        pings) is not judged by them; silence still makes its link lost."""
        if not self._ever_answered or not self._outcomes:
            return None
        return self._outcomes.count(False) / len(self._outcomes)


class LinkWatch:
    """One side's watchdog: what it heard when, its pings, and the resulting state."""

    def __init__(self, now_s: float, thresholds: Thresholds = THRESHOLDS) -> None:
        self.pings = PingBook(thresholds)
        self.quality = LinkQuality(thresholds)
        self._heard_s = now_s

    def heard(self, now_s: float) -> None:
        self._heard_s = now_s

    def silent_s(self, now_s: float) -> float:
        return max(0.0, now_s - self._heard_s)

    def figures(self, now_s: float) -> LinkFigures:
        self.pings.expire(now_s)
        return LinkFigures(rtt_ms=self.pings.rtt_ms, ping_loss=self.pings.loss)

    def update(self, now_s: float) -> LinkState:
        silent_s = self.silent_s(now_s)
        back = self.quality.state is LinkState.LOST or self.quality.settling
        if back and silent_s < self.quality.thresholds.lost_after_s:
            self.pings.forgive()
        return self.quality.update(self.figures(now_s), silent_s)

    @property
    def state(self) -> LinkState:
        return self.quality.state
