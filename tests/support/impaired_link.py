"""A flaky network between a WebRTC client and the relay: a UDP proxy on 127.0.0.1 with loss, delay and blackouts.

Why in userspace: the kernel here has no netem qdisc, so `tc` cannot add loss or delay; a proxy needs no root
either, so the fault tests run everywhere and skip nothing.

How media is routed through it: the relay's SDP answer is rewritten so that its only ICE candidate is the proxy's
127.0.0.1 port (`route_answer`), and the proxy forwards to the relay's real candidate. The client's own candidates
are removed from the offer (`strip_candidates`), so the relay cannot reach the client directly: it learns the
proxy's upstream socket as a peer-reflexive candidate from the client's checks and answers through it. Every
client source address gets its own upstream socket, as behind a NAT, bound to the relay candidate of the answer
routed last (`route`): a reconnect is a new peer connection, so a new flow to the relay's new port.

Impairments apply per packet in each direction: drop with probability `loss`; otherwise deliver after `delay_s`
plus up to `jitter_s` (FIFO per direction, so jitter delays but never reorders); `blackout` drops everything both
ways, including packets already in flight. The random source is seeded: the same packets meet the same fate
(a WebRTC run still varies with its own timing).
"""

from __future__ import annotations

import asyncio
import random
import re
import socket
import time
from dataclasses import dataclass

Address = tuple[str, int]

_CANDIDATE = re.compile(r"^a=candidate:(\S+) (\d+) (udp|UDP) (\d+) (\S+) (\d+) typ (\S+)(.*)$")


@dataclass
class Direction:
    """Counters of one direction: `up` is client to relay, `down` relay to client."""

    passed: int = 0
    dropped: int = 0
    last_delivered: float = 0.0  # monotonic time the last packet was (or will be) delivered


class ImpairedLink:
    def __init__(self, target: Address | None = None, *, loss: float = 0.0, delay_s: float = 0.0, jitter_s: float = 0.0, seed: int = 1) -> None:
        self.target = target
        self.loss = loss
        self.delay_s = delay_s
        self.jitter_s = jitter_s
        self.blackout = False
        self.restored_ms = 0.0
        self.up = Direction()
        self.down = Direction()
        self._random = random.Random(seed)
        self._listener: asyncio.DatagramTransport | None = None
        self._upstreams: dict[Address, socket.socket] = {}
        self._closed = False

    # -- control -----------------------------------------------------------------------------------------------------
    def impair(self, *, loss: float | None = None, delay_s: float | None = None, jitter_s: float | None = None) -> None:
        if loss is not None:
            self.loss = loss
        if delay_s is not None:
            self.delay_s = delay_s
        if jitter_s is not None:
            self.jitter_s = jitter_s

    def cut(self) -> None:
        """Blackout: nothing passes either way until restore()."""
        self.blackout = True

    def restore(self) -> float:
        """End a blackout; returns the wall clock (Unix ms) of the moment, to measure how fast the session resumes."""
        self.blackout = False
        self.restored_ms = time.time() * 1000
        return self.restored_ms

    def route(self, answer_sdp: str) -> str:
        """Send the flows that start from now on to this answer's relay candidate; the answer to give the client."""
        routed, self.target = route_answer(answer_sdp, self.port)
        return routed

    @property
    def port(self) -> int:
        assert self._listener is not None, "start() the link first"
        return self._listener.get_extra_info("sockname")[1]

    @property
    def counts(self) -> dict[str, int]:
        return {"up_passed": self.up.passed, "up_dropped": self.up.dropped, "down_passed": self.down.passed, "down_dropped": self.down.dropped}

    # -- lifecycle ---------------------------------------------------------------------------------------------------
    async def start(self) -> ImpairedLink:
        loop = asyncio.get_running_loop()
        self._listener, _ = await loop.create_datagram_endpoint(lambda: _Listener(self), local_addr=("127.0.0.1", 0))
        return self

    async def close(self) -> None:
        self._closed = True
        loop = asyncio.get_running_loop()
        for upstream in self._upstreams.values():
            loop.remove_reader(upstream.fileno())
            upstream.close()
        self._upstreams.clear()
        if self._listener is not None:
            self._listener.close()

    async def __aenter__(self) -> ImpairedLink:
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.close()

    # -- forwarding --------------------------------------------------------------------------------------------------
    def _from_client(self, data: bytes, client: Address) -> None:
        upstream = self._upstreams.get(client)
        if upstream is None:
            if self.target is None:
                return
            upstream = self._open_upstream(client, self.target)
        self._pass(self.up, data, lambda: _send(upstream, data))

    def _open_upstream(self, client: Address, target: Address) -> socket.socket:
        """A socket of its own for this client (like a NAT mapping), read by the event loop."""
        upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        upstream.setblocking(False)
        upstream.bind(("0.0.0.0", 0))  # the kernel picks the source address that reaches the relay's candidate
        upstream.connect(target)
        self._upstreams[client] = upstream
        asyncio.get_running_loop().add_reader(upstream.fileno(), self._read_upstream, upstream, client)
        return upstream

    def _read_upstream(self, upstream: socket.socket, client: Address) -> None:
        while True:
            try:
                data = upstream.recv(65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # ICMP port unreachable while the relay restarts: the next packet may get through
                return
            self._from_relay(data, client)

    def _from_relay(self, data: bytes, client: Address) -> None:
        listener = self._listener
        if listener is not None:
            self._pass(self.down, data, lambda: listener.sendto(data, client))

    def _pass(self, direction: Direction, data: bytes, deliver) -> None:
        if self._closed:
            return
        if self.blackout or (self.loss > 0 and self._random.random() < self.loss):
            direction.dropped += 1
            return
        delay = self.delay_s + (self._random.uniform(0, self.jitter_s) if self.jitter_s > 0 else 0.0)
        now = time.monotonic()
        at = max(now + delay, direction.last_delivered)
        direction.last_delivered = at

        def send() -> None:
            if self._closed or self.blackout:  # a link that went down also loses what was on the wire
                direction.dropped += 1
                return
            direction.passed += 1
            deliver()

        if at <= now:
            send()
        else:
            asyncio.get_running_loop().call_later(at - now, send)


class _Listener(asyncio.DatagramProtocol):
    def __init__(self, link: ImpairedLink) -> None:
        self._link = link

    def datagram_received(self, data: bytes, addr: Address) -> None:
        self._link._from_client(data, addr[:2])


def _send(upstream: socket.socket, data: bytes) -> None:
    try:
        upstream.send(data)
    except OSError:  # nobody listening (the relay is restarting) or a full buffer: the packet is lost, as on a wire
        pass


# -- SDP ---------------------------------------------------------------------------------------------------------------
def relay_candidate(sdp: str) -> Address:
    """The relay's first IPv4 UDP candidate in an SDP answer: where the proxy forwards to."""
    for line in sdp.splitlines():
        match = _CANDIDATE.match(line.strip())
        if match and ":" not in match.group(5):
            return match.group(5), int(match.group(6))
    raise ValueError("the SDP has no IPv4 UDP candidate")


def route_answer(sdp: str, port: int) -> tuple[str, Address]:
    """The answer with every candidate replaced by one host candidate at 127.0.0.1:port, and the real target."""
    target = relay_candidate(sdp)
    out: list[str] = []
    routed = False
    for line in sdp.splitlines():
        match = _CANDIDATE.match(line.strip())
        if match:
            if not routed:
                foundation, component, _, priority = match.group(1, 2, 3, 4)
                out.append(f"a=candidate:{foundation} {component} udp {priority} 127.0.0.1 {port} typ host")
                routed = True
            continue
        if line.startswith("c=IN IP4 ") or line.startswith("c=IN IP6 "):
            line = "c=IN IP4 127.0.0.1"
        elif line.startswith("m=") and " " in line:
            kind, _, rest = line.split(" ", 2)
            line = f"{kind} {port} {rest}"
        out.append(line)
    return "\r\n".join(out) + "\r\n", target


def strip_candidates(sdp: str) -> str:
    """An offer without ICE candidates (and without end-of-candidates): the relay can only answer through the proxy."""
    kept = [line for line in sdp.splitlines() if not line.startswith("a=candidate:") and line.strip() != "a=end-of-candidates"]
    return "\r\n".join(kept) + "\r\n"
