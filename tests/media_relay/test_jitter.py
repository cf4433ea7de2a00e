"""The relay's audio jitter buffer: a lost packet costs its own 20 ms, never the packets after it."""

import random

from aiortc.jitterbuffer import JitterBuffer
from aiortc.rtp import RtpPacket

from media_relay.jitter import AudioJitterBuffer


def _packets(count: int, loss: float, first: int = 0, seed: int = 1) -> list[RtpPacket]:
    rnd = random.Random(seed)
    out = []
    for i in range(first, first + count):
        if rnd.random() < loss:
            continue
        packet = RtpPacket(payload_type=111, sequence_number=i % 65536, timestamp=(i * 960) % 2**32)
        packet._data = i.to_bytes(4, "big")
        out.append(packet)
    return out


def _frames(buffer, packets) -> list[int]:
    return [int.from_bytes(frame.data, "big") for p in packets if (frame := buffer.add(p)[1]) is not None]


def test_ten_percent_loss_costs_ten_percent_of_the_audio():
    packets = _packets(5000, loss=0.10)
    frames = _frames(AudioJitterBuffer(), packets)
    assert len(frames) >= len(packets) - 4  # all but the last few, which wait for later packets
    assert frames == sorted(frames)
    assert len(_frames(JitterBuffer(capacity=16, prefetch=4), packets)) < 0.7 * len(packets)  # why the relay has its own


def test_packets_come_out_in_order_across_reordering_and_wraparound():
    packets = _packets(3000, loss=0.05, first=64000)
    for i in range(0, len(packets) - 1, 7):
        packets[i], packets[i + 1] = packets[i + 1], packets[i]
    frames = _frames(AudioJitterBuffer(), packets)
    assert frames == sorted(frames) and len(frames) >= len(packets) - 5


def test_a_late_duplicate_is_dropped_and_a_restarted_sender_is_followed():
    buffer = AudioJitterBuffer()
    first = _packets(20, loss=0.0)
    frames = _frames(buffer, first + first[:3])
    restarted = _packets(20, loss=0.0, first=40000)
    frames += _frames(buffer, restarted)
    assert frames == list(range(16)) + list(range(40000, 40016))
