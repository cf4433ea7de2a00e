"""The flaky network the fault tests use: loss, delay and blackouts as configured, reproducibly."""

from __future__ import annotations

import asyncio
import time

from tests.support.impaired_link import ImpairedLink, route_answer, strip_candidates

ANSWER = (
    "v=0\r\nm=audio 40000 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 192.0.2.2\r\n"
    "a=candidate:1 1 udp 2130706431 192.0.2.2 40000 typ host\r\na=candidate:2 1 udp 2130706431 fd00::2 40001 typ host\r\n"
    "a=end-of-candidates\r\nm=application 40000 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 192.0.2.2\r\n"
)


class _Echo(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.transport.sendto(data, addr)


class _Client(asyncio.DatagramProtocol):
    def __init__(self):
        self.got: list[tuple[bytes, float]] = []

    def datagram_received(self, data, addr):
        self.got.append((data, time.monotonic()))


async def _through(link: ImpairedLink, count: int) -> _Client:
    loop = asyncio.get_running_loop()
    client = _Client()
    transport, _ = await loop.create_datagram_endpoint(lambda: client, remote_addr=("127.0.0.1", link.port))
    for i in range(count):
        transport.sendto(i.to_bytes(4, "big"))
        await asyncio.sleep(0.001)
    await asyncio.sleep(0.4)
    transport.close()
    return client


async def test_loss_is_applied_each_way_and_reproducible():
    loop = asyncio.get_running_loop()
    echo, _ = await loop.create_datagram_endpoint(_Echo, local_addr=("127.0.0.1", 0))
    results = []
    for _ in range(2):
        async with ImpairedLink(echo.get_extra_info("sockname"), loss=0.2, seed=4) as link:
            client = await _through(link, 500)
            results.append(([d for d, _ in client.got], link.counts))
    echo.close()
    (got, counts), (again, _) = results
    assert got == again  # same seed, same packets lost
    assert 60 < counts["up_dropped"] < 140 and 40 < counts["down_dropped"] < 120
    assert len(got) == counts["down_passed"]


async def test_delay_and_blackout():
    loop = asyncio.get_running_loop()
    echo, _ = await loop.create_datagram_endpoint(_Echo, local_addr=("127.0.0.1", 0))
    async with ImpairedLink(echo.get_extra_info("sockname"), delay_s=0.1) as link:
        sent = time.monotonic()
        client = await _through(link, 1)
        assert client.got and client.got[0][1] - sent >= 0.2  # 100 ms each way
        link.cut()
        assert (await _through(link, 20)).got == []
        link.restore()
        assert len((await _through(link, 20)).got) == 20
    echo.close()


def test_the_answer_points_at_the_proxy_and_the_offer_has_no_candidates():
    routed, target = route_answer(ANSWER, 5555)
    assert target == ("192.0.2.2", 40000)
    assert [line for line in routed.splitlines() if line.startswith("a=candidate")] == ["a=candidate:1 1 udp 2130706431 127.0.0.1 5555 typ host"]
    assert "192.0.2.2" not in routed and "fd00::2" not in routed
    assert "a=candidate" not in strip_candidates(ANSWER) and "end-of-candidates" not in strip_candidates(ANSWER)
