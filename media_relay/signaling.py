"""Signaling: SDP offer in, answer out, for sessions whose token checks out. One live connection per session."""

from __future__ import annotations

import asyncio
import logging

from media_relay.session import RelaySession
from rehearse.config import World
from rehearse.errors import InvalidRequest, RehearseError, SessionEnded
from rehearse.tokens import bearer_token

log = logging.getLogger("rehearse.relay")


class RelayBusy(RehearseError):
    code = "relay_busy"
    status = 503


class Relay:
    """Live sessions of this relay process."""

    def __init__(self, world: World) -> None:
        self._world = world
        self.live: dict[str, RelaySession] = {}
        self.accepting = True
        self._idle = asyncio.Event()  # set when no session is live

    async def offer(self, session_id: str, authorization: str | None, body: object) -> dict[str, str]:
        self._world.tokens.verify(bearer_token(authorization), session_id)
        if not isinstance(body, dict) or not isinstance(body.get("sdp"), str) or not isinstance(body.get("type"), str):
            raise InvalidRequest("send {\"sdp\": \"<offer SDP>\", \"type\": \"offer\"}")
        session = await self._world.sessions.get(session_id)
        if session.is_ended:
            raise SessionEnded("this interview has ended; GET the session for its transcript")
        if not self.accepting:
            raise RelayBusy("the relay is shutting down; retry in a moment")
        previous = self.live.get(session_id)
        if previous is None and len(self.live) >= self._world.settings.max_live_sessions:
            raise RelayBusy("the relay is at capacity; retry in a moment")
        if previous is not None:  # a reconnect takes over; the old connection flushes its finals first
            await previous.close()
        relay_session = RelaySession(session, self._world, self._forget)
        self.live[session_id] = relay_session
        try:
            answer = await relay_session.accept(body["sdp"], body["type"])
        except BaseException:
            self._forget(relay_session)
            raise
        return {"v": 1, "sdp": answer.sdp, "type": answer.type}

    def _forget(self, relay_session: RelaySession) -> None:
        if self.live.get(relay_session.session_id) is relay_session:
            del self.live[relay_session.session_id]
        if not self.live:
            self._idle.set()

    async def drain(self, grace_s: float = 0.0) -> None:
        """Stop accepting sessions; give live ones `grace_s` to finish, then close them. A closed session's finals
        are persisted first, so its page reconnects (to another replica) and resumes from the Store."""
        self.accepting = False
        if self.live and grace_s > 0:
            self._idle.clear()
            try:
                await asyncio.wait_for(self._idle.wait(), grace_s)
            except TimeoutError:
                pass
        await asyncio.gather(*(s.close() for s in list(self.live.values())), return_exceptions=True)
