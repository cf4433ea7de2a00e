"""Signaling: SDP offer in, answer out, for sessions whose token checks out. One live connection per session."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import socket

from aiortc import sdp as aiortc_sdp
from aiortc.codecs import CODECS

from media_relay.session import DATA_CHANNEL, RelaySession
from rehearse.app.world import World
from rehearse.domain.errors import InvalidRequest, InvalidSdp, RehearseError, SessionEnded

log = logging.getLogger("rehearse.relay")


class RelayBusy(RehearseError):
    code = "relay_busy"


class Relay:
    """Live sessions of this relay process."""

    def __init__(self, world: World) -> None:
        self._world = world
        self.live: dict[str, RelaySession] = {}
        self.accepting = True
        self.replica = f"{socket.gethostname()}:{os.getpid()}"  # names this process in the sessions' leases (and logs)
        self._idle = asyncio.Event()  # set when no session is live

    async def offer(self, session_id: str, body: object) -> dict[str, str]:
        """The answer to an offer; the caller has verified the session token (media_relay/app.py, before the body)."""
        if not isinstance(body, dict) or not isinstance(body.get("sdp"), str) or not isinstance(body.get("type"), str):
            raise InvalidRequest("send {\"sdp\": \"<offer SDP>\", \"type\": \"offer\"}")
        session = await self._world.sessions.get(session_id)
        if session.is_ended:
            raise SessionEnded("this interview has ended; GET the session for its transcript")
        # Before a peer connection exists, and before a reconnect closes the live one: a broken offer costs nothing.
        check_offer(body["sdp"], body["type"])
        if not self.accepting:
            raise RelayBusy("the relay is shutting down; retry in a moment")
        previous = self.live.get(session_id)
        limit = self._world.settings.max_live_sessions
        if previous is None and len(self.live) >= limit:
            # the alert rule rehearse-relay-busy (infra/bicep/modules/alerts.bicep) looks for these words in the logs
            log.warning("session %s refused: the relay is at capacity (%d of %d live interviews)", session_id, len(self.live), limit)
            raise RelayBusy("the relay is at capacity; retry in a moment")
        if previous is not None:  # a reconnect takes over; the old connection flushes its finals first (and its hold)
            await previous.close()
        await self._world.quotas.hold_live(session.candidate_id, session_id)  # QuotaExceeded (429) past the candidate's limit
        relay_session = RelaySession(session, self._world, self._forget, self.replica)
        self.live[session_id] = relay_session
        try:
            answer = await relay_session.accept(body["sdp"], body["type"])
        except BaseException:
            self._forget(relay_session)
            await self._world.quotas.release_live(session.candidate_id, session_id)
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


# -- the offer, checked before aiortc sees it ------------------------------------------------------------------------
# aiortc's parser answers a broken line with a bare AssertionError or ValueError, and a few well-formed but inconsistent
# offers (an a=group:BUNDLE naming a mid no m-line has) leave its peer connection unable to close. Each check here
# names the line and what it should look like, so the client knows what to fix.
_M_LINE = re.compile(r"^m=([^ ]+) ([0-9]+) ([A-Z/]+) (.+)$")  # the pattern aiortc parses m-lines with
_FINGERPRINT = re.compile(r"^(sha-1|sha-224|sha-256|sha-384|sha-512) [0-9A-F]{2}(:[0-9A-F]{2})+$", re.IGNORECASE)
_CANDIDATE_TYPES = {"host", "srflx", "prflx", "relay"}
_SETUP_ROLES = ("actpass", "active", "passive")  # the values aiortc knows
_AUDIO_CODECS = {codec.mimeType.lower() for codec in CODECS["audio"]}


def check_offer(sdp: str, kind: str) -> None:
    """InvalidSdp, naming the problem, unless `sdp` is an offer the relay can answer."""
    if kind != "offer":
        raise InvalidSdp(f"type must be 'offer', not {kind[:20]!r}: the relay answers offers only")
    for number, line in enumerate(sdp.splitlines(), start=1):
        problem = _line_problem(line)
        if problem:
            raise InvalidSdp(f"SDP line {number} {line[:80]!r}: {problem}")
    try:
        description = aiortc_sdp.SessionDescription.parse(sdp)
    except Exception as exc:  # aiortc raises AssertionError, ValueError, KeyError, ... for lines it cannot read
        raise InvalidSdp(f"the SDP offer could not be parsed ({type(exc).__name__}: {str(exc) or 'a line is malformed'}); "
                         "send the offer exactly as RTCPeerConnection.createOffer() made it") from None
    kinds = [media.kind for media in description.media]
    if "audio" not in kinds:
        raise InvalidSdp("the offer has no audio m-line: add the microphone track (sendrecv)")
    if "application" not in kinds:
        raise InvalidSdp(f"the offer has no data channel: create one labelled {DATA_CHANNEL!r}")
    mids = [media.rtp.muxId for media in description.media]
    if any(not mid for mid in mids) or len(set(mids)) != len(mids):
        raise InvalidSdp(f"every m-line needs its own a=mid; the offer has {mids}")
    for group in description.group:
        if group.semantic == "BUNDLE" and not set(group.items) <= set(mids):
            raise InvalidSdp(f"a=group:BUNDLE names mids {group.items}, but the m-lines have {mids}")
    for media in description.media:
        if not media.ice.usernameFragment or not media.ice.password:
            raise InvalidSdp(f"the {media.kind} m-line has no a=ice-ufrag and a=ice-pwd")
        if media.dtls is None or not media.dtls.fingerprints:  # aiortc drops DTLS parameters without an a=setup
            raise InvalidSdp(f"the {media.kind} m-line needs a=fingerprint and a=setup (actpass in an offer)")
        if media.kind == "audio" and not media.rtcp_mux:
            raise InvalidSdp("the audio m-line needs a=rtcp-mux: the relay multiplexes RTP and RTCP on one port")
        if media.kind == "audio" and media.direction not in ("sendrecv", "sendonly"):
            raise InvalidSdp("the audio m-line must be a=sendrecv: the relay hears the microphone and answers with its voice")
        if media.kind == "audio" and not any(c.mimeType.lower() in _AUDIO_CODECS for c in media.rtp.codecs):
            raise InvalidSdp(f"the audio m-line offers no codec the relay decodes: offer one of {sorted(_AUDIO_CODECS)}")


def _line_problem(line: str) -> str | None:
    if line.startswith("m="):
        match = _M_LINE.match(line)
        if match is None or int(match.group(2)) > 65535:
            return "an m-line is 'm=<media> <port 0-65535> <protocol> <formats>'"
    elif line.startswith("a=candidate:"):
        return _candidate_problem(line.removeprefix("a=candidate:").split())
    elif line.startswith("a=setup:") and line.removeprefix("a=setup:").strip() not in _SETUP_ROLES:
        return f"a=setup is one of {', '.join(_SETUP_ROLES)} (an offer says actpass)"
    elif line.startswith("a=fingerprint:") and not _FINGERPRINT.match(line.removeprefix("a=fingerprint:").strip()):
        return "a DTLS fingerprint is 'a=fingerprint:sha-256 AB:CD:...' (hash name, then hex bytes separated by colons)"
    return None


def _candidate_problem(bits: list[str]) -> str | None:
    shape = "an ICE candidate is 'a=candidate:<foundation> <component> <udp|tcp> <priority> <address> <port> typ <type>'"
    if len(bits) < 8 or bits[6] != "typ":
        return shape
    if not (bits[1].isdecimal() and 1 <= int(bits[1]) <= 256 and bits[3].isdecimal() and int(bits[3]) < 2**32):
        return shape + " (component 1-256, priority 0-4294967295)"
    if not bits[5].isdecimal() or int(bits[5]) > 65535:
        return "the ICE candidate's port must be 0-65535"
    if bits[7] not in _CANDIDATE_TYPES:
        return f"the ICE candidate's type must be one of {sorted(_CANDIDATE_TYPES)}"
    extensions = dict(zip(bits[8::2], bits[9::2], strict=False))
    if any(name in extensions and not extensions[name].isdecimal() for name in ("rport", "generation")):
        return "the ICE candidate's rport and generation must be numbers"
    return None
