"""Quotas against cost abuse, counted in the Store so that they hold across Function instances and relay replicas.

Counters live in the Store container `quotas`: per candidate and per client address under a keyed hash of either
(rehearse/security/pseudonyms.py), each a fixed-window counter that expires when its window ends; per session under
the session id, deleted with the session. The arithmetic is rehearse/domain/quotas.py."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from rehearse.domain.quotas import QuotaExceeded, Window, decide, minutes
from rehearse.ports import Store
from rehearse.security.pseudonyms import Pseudonyms
from rehearse.settings import Settings

QUOTAS = "quotas"
HOUR_S = 3600
LEASE_GRACE_S = 300  # a live interview's hold outlives its longest stream by this much, should its relay die
_FOREVER_S = 400 * 24 * 3600  # a session's own counters go with the session, or with its documents' TTL


@dataclass(frozen=True)
class QuotaLimits:
    sessions_per_candidate_per_hour: int
    sessions_per_address_per_hour: int
    live_interviews_per_candidate: int
    answer_audio_s: int
    interview_audio_s: int
    llm_calls_per_session: int

    @classmethod
    def from_settings(cls, settings: Settings) -> QuotaLimits:
        return cls(
            sessions_per_candidate_per_hour=settings.quota_sessions_per_candidate_per_hour,
            sessions_per_address_per_hour=settings.quota_sessions_per_address_per_hour,
            live_interviews_per_candidate=settings.quota_live_interviews_per_candidate,
            answer_audio_s=settings.quota_answer_audio_s,
            interview_audio_s=settings.quota_interview_audio_s,
            llm_calls_per_session=settings.quota_llm_calls_per_session,
        )


class Quotas:
    def __init__(self, store: Store, limits: QuotaLimits, pseudonyms: Pseudonyms, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self.limits = limits
        self._pseudonyms = pseudonyms
        self._clock = clock

    async def admit_session(self, candidate_id: str, address: str | None) -> None:
        """Count a new session against its address and its candidate this hour; QuotaExceeded past either limit.
        An unknown address (a caller that is not a socket, e.g. a test) is counted by candidate only."""
        if address:
            await self._hourly(self._pseudonyms.of("a", address), self.limits.sessions_per_address_per_hour,
                               "interviews started from your network address")  # fmt: skip
        await self._hourly(self._pseudonyms.of("c", candidate_id), self.limits.sessions_per_candidate_per_hour, "interviews you started")

    async def _hourly(self, subject: str, limit: int, what: str) -> None:
        now = self._clock()
        window = Window.at(now, HOUR_S)
        count = await self._store.increment(QUOTAS, subject, f"sessions-{window.start}", 1, window.end)
        decision = decide(count, limit, window, now)
        if not decision.allowed:
            raise QuotaExceeded(
                f"{limit} {what} in one hour is the most this deployment allows; try again in {minutes(decision.retry_after_s)}",
                decision.retry_after_s,
            )

    async def hold_live(self, candidate_id: str, session_id: str) -> None:
        """Hold one of the candidate's live interviews for this session (a reconnect keeps its hold); QuotaExceeded when
        the candidate holds the most already. Written first and counted after, so two racing holds never both pass.
        A hold expires by itself after the longest interview, should its relay die without releasing it."""
        holds, now = self._holds(candidate_id), self._clock()
        await self._store.increment(QUOTAS, holds, _hold(session_id), 1, now + self.limits.interview_audio_s + LEASE_GRACE_S)
        held = [d["expires_at"] for d in await self._store.list(QUOTAS, holds) if d.get("expires_at", 0) > now]
        limit = self.limits.live_interviews_per_candidate
        if len(held) > limit:
            await self.release_live(candidate_id, session_id)
            raise QuotaExceeded(
                f"you have {limit} interview{'s' if limit > 1 else ''} live already, the most at once: end one (or close its tab) "
                "and try again", min(60, max(1, int(min(held) - now))),
            )  # fmt: skip

    async def release_live(self, candidate_id: str, session_id: str) -> None:
        await self._store.delete(QUOTAS, self._holds(candidate_id), _hold(session_id))

    def _holds(self, candidate_id: str) -> str:
        return self._pseudonyms.of("c", candidate_id) + ":live"

    async def audio_used_s(self, session_id: str) -> float:
        found = await self._store.get(QUOTAS, session_id, "audio")
        return float(found[0]["count"]) if found else 0.0

    async def add_audio(self, session_id: str, seconds: float) -> float:
        """Add streamed audio to the session's counter (it carries the interview's total across connections)."""
        return await self._store.increment(QUOTAS, session_id, "audio", seconds, self._clock() + _FOREVER_S)

    async def take_llm_call(self, session_id: str) -> bool:
        """Count one LLM call of the session; False (and the call is not to be made) past the limit."""
        count = await self._store.increment(QUOTAS, session_id, "llm-calls", 1, self._clock() + _FOREVER_S)
        return count <= self.limits.llm_calls_per_session

    async def forget(self, candidate_id: str | None, session_id: str) -> None:
        """A deleted session's counters: its own go with its partition (Sessions.delete); its live hold goes here. The
        hourly counters hold only keyed hashes and expire at the end of their window; deleting them early would
        hand back the quota a deletion is not meant to refund."""
        await self._store.delete_partition(QUOTAS, session_id)
        if candidate_id:
            await self.release_live(candidate_id, session_id)


def _hold(session_id: str) -> str:
    return f"live-{session_id}"
