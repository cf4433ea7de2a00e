"""Real-looking SDP offers (Chromium's and aiortc's shape) and hypothesis strategies that break them line by line."""

from __future__ import annotations

from hypothesis import strategies as st

_FINGERPRINT = "sha-256 " + ":".join(f"{b:02X}" for b in bytes.fromhex("4a" * 8 + "1f" * 8 + "c3" * 8 + "09" * 8))

# The shape of a Chromium 120+ offer: Opus with RED and DTMF, an mDNS host candidate, a trickle-capable transport.
CHROMIUM_OFFER = "\r\n".join(
    [
        "v=0",
        "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0 1",
        "a=extmap-allow-mixed",
        "a=msid-semantic: WMS 9c4d8a2e-3f5b-4c1a-8e6d-2b7f0a9c1d3e",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126",
        "c=IN IP4 0.0.0.0",
        "a=rtcp:9 IN IP4 0.0.0.0",
        "a=candidate:1467250027 1 udp 2122260223 127.0.0.1 46243 typ host generation 0 network-id 1",
        "a=candidate:2999745851 1 udp 2122194687 4e5a6f2c-6bc8-4a1e-9d6d-3a5f9c1a2b3c.local 56002 typ host generation 0 network-id 2",
        "a=ice-ufrag:Oyef",
        "a=ice-pwd:7Rl6kxG5oNrIjwXXb0Cq9M2n",
        "a=ice-options:trickle",
        f"a=fingerprint:{_FINGERPRINT}",
        "a=setup:actpass",
        "a=mid:0",
        "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
        "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
        "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
        "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
        "a=sendrecv",
        "a=msid:9c4d8a2e-3f5b-4c1a-8e6d-2b7f0a9c1d3e 5e2f7a1b-0c3d-4e8f-9a6b-1c2d3e4f5a6b",
        "a=rtcp-mux",
        "a=rtpmap:111 opus/48000/2",
        "a=rtcp-fb:111 transport-cc",
        "a=fmtp:111 minptime=10;useinbandfec=1",
        "a=rtpmap:63 red/48000/2",
        "a=fmtp:63 111/111",
        "a=rtpmap:9 G722/8000",
        "a=rtpmap:0 PCMU/8000",
        "a=rtpmap:8 PCMA/8000",
        "a=rtpmap:13 CN/8000",
        "a=rtpmap:110 telephone-event/48000",
        "a=rtpmap:126 telephone-event/8000",
        "a=ssrc:2154826497 cname:q1WnOxRZiVKGfQgy",
        "a=ssrc:2154826497 msid:9c4d8a2e-3f5b-4c1a-8e6d-2b7f0a9c1d3e 5e2f7a1b-0c3d-4e8f-9a6b-1c2d3e4f5a6b",
        "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
        "c=IN IP4 0.0.0.0",
        "a=candidate:1467250027 1 udp 2122260223 127.0.0.1 39011 typ host generation 0 network-id 1",
        "a=ice-ufrag:Oyef",
        "a=ice-pwd:7Rl6kxG5oNrIjwXXb0Cq9M2n",
        "a=ice-options:trickle",
        f"a=fingerprint:{_FINGERPRINT}",
        "a=setup:actpass",
        "a=mid:1",
        "a=sctp-port:5000",
        "a=max-message-size:262144",
    ]
) + "\r\n"

# The shape of aiortc's own offer (examples/wav_client.py): gathered candidates, several fingerprints, end-of-candidates.
AIORTC_OFFER = "\r\n".join(
    [
        "v=0",
        "o=- 4004690209 4004690209 IN IP4 0.0.0.0",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0 1",
        "a=msid-semantic:WMS *",
        "m=audio 42893 UDP/TLS/RTP/SAVPF 96 9 0 8",
        "c=IN IP4 127.0.0.1",
        "a=sendrecv",
        "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid",
        "a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
        "a=mid:0",
        "a=msid:d2208957-40ab-4a4f-a1f5-832029a6ef67 129c2d97-6c6f-4490-a1a2-9d5b13518388",
        "a=rtcp:9 IN IP4 0.0.0.0",
        "a=rtcp-mux",
        "a=ssrc:3956416109 cname:e5649f54-b7d0-48a9-be71-f15093d8e166",
        "a=rtpmap:96 opus/48000/2",
        "a=rtpmap:9 G722/8000",
        "a=rtpmap:0 PCMU/8000",
        "a=rtpmap:8 PCMA/8000",
        "a=candidate:f957a2332b1715da3b0ef8ba684454eb 1 udp 2130706431 127.0.0.1 42893 typ host",
        "a=end-of-candidates",
        "a=ice-ufrag:W0M7",
        "a=ice-pwd:m7FAYbAZuSjPukFApGShSL",
        f"a=fingerprint:{_FINGERPRINT}",
        "a=setup:actpass",
        "m=application 47406 UDP/DTLS/SCTP webrtc-datachannel",
        "c=IN IP4 127.0.0.1",
        "a=mid:1",
        "a=sctp-port:5000",
        "a=max-message-size:262144",
        "a=candidate:f957a2332b1715da3b0ef8ba684454eb 1 udp 2130706431 127.0.0.1 47406 typ host",
        "a=end-of-candidates",
        "a=ice-ufrag:W0M7",
        "a=ice-pwd:m7FAYbAZuSjPukFApGShSL",
        f"a=fingerprint:{_FINGERPRINT}",
        "a=setup:actpass",
    ]
) + "\r\n"

OFFERS = {"chromium": CHROMIUM_OFFER, "aiortc": AIORTC_OFFER}

_junk = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
_token = st.text("abcdefXYZ0123456789-.:/+=_ ", min_size=0, max_size=20)
_number = st.sampled_from(["0", "-1", "1", "65535", "65536", "99999999999999999999", "abc", "", "1.5", "0x10", "9"]) | st.integers(-(2**40), 2**40).map(str)
_host = st.sampled_from(["127.0.0.1", "0.0.0.0", "::1", "fe80::1%eth0", "256.1.1.1", "x.local", ".local", "", "localhost", "-", "1.2.3"]) | _token

bad_candidates = st.builds(
    lambda foundation, component, transport, priority, host, port, kind, extra: (
        f"a=candidate:{foundation} {component} {transport} {priority} {host} {port} typ {kind}{extra}"
    ),
    _token,
    _number,
    st.sampled_from(["udp", "UDP", "tcp", "sctp", "", "x"]),
    _number,
    _host,
    _number,
    st.sampled_from(["host", "srflx", "relay", "prflx", "", "bogus"]),
    st.sampled_from(["", " raddr", " raddr 0.0.0.0 rport", " raddr 0.0.0.0 rport 0", " tcptype", " tcptype active", " generation x"]),
) | _junk.map(lambda s: f"a=candidate:{s}")

bad_fingerprints = st.sampled_from(["sha-256", "sha-256 ", "sha-1 00:11", "md5 00:11:22", "sha-256 ZZ:ZZ", "sha-999 00", ""]).map(
    lambda v: f"a=fingerprint:{v}"
) | _junk.map(lambda s: f"a=fingerprint:{s}")

bad_m_lines = st.builds(
    lambda kind, port, proto, formats: f"m={kind} {port} {proto} {formats}",
    st.sampled_from(["audio", "video", "application", "text", "", "AUDIO"]),
    _number,
    st.sampled_from(["UDP/TLS/RTP/SAVPF", "RTP/AVP", "UDP/DTLS/SCTP", "DTLS/SCTP", "", "x"]),
    st.sampled_from(["111", "96 9 0 8", "webrtc-datachannel", "5000", "", "abc", "-1", "300", "111 111"]),
)

bad_codecs = st.builds(
    lambda pt, name, rate: f"a=rtpmap:{pt} {name}/{rate}",
    st.sampled_from(["111", "96", "0", "128", "-1", "x", ""]),
    st.sampled_from(["opus", "OPUS", "foo", "H264", "", "telephone-event", "red"]),
    st.sampled_from(["48000/2", "48000", "0", "", "abc", "48000/2/2", "-8000"]),
) | st.builds(lambda pt, params: f"a=fmtp:{pt} {params}", st.sampled_from(["111", "63", "x"]), _junk)

inserted_lines = st.one_of(bad_candidates, bad_fingerprints, bad_m_lines, bad_codecs, _junk, st.sampled_from(
    ["a=ice-ufrag:", "a=ice-pwd:", "a=setup:passive", "a=setup:bogus", "a=mid:", "a=mid:0", "a=sctp-port:x", "a=max-message-size:-1",
     "a=rtcp-mux-only", "a=recvonly", "a=inactive", "a=group:BUNDLE 7", "a=ssrc:x", "c=IN IP6 ::", "c=IN", "o=", "v=1", "t=x"]
))


# The same without the mDNS candidate, whose resolution takes aioice a second: for properties that need many examples.
OFFERS_WITHOUT_MDNS = {name: "".join(line for line in sdp.splitlines(keepends=True) if ".local " not in line) for name, sdp in OFFERS.items()}


@st.composite
def mutated_offers(draw, offers: dict[str, str] = OFFERS) -> str:
    """A real offer after one to four mutations: lines dropped, duplicated, garbled, swapped or inserted."""
    lines = offers[draw(st.sampled_from(sorted(offers)))].rstrip("\r\n").split("\r\n")
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "duplicate", "garble", "truncate", "swap", "insert", "replace"]))
        if action == "drop" and len(lines) > 1:
            del lines[where]
        elif action == "duplicate":
            lines.insert(where, lines[where])
        elif action == "garble":
            line = lines[where]
            at = draw(st.integers(0, len(line)))
            lines[where] = line[:at] + draw(_junk) + line[at + draw(st.integers(0, 5)) :]
        elif action == "truncate":
            lines[where] = lines[where][: draw(st.integers(0, len(lines[where])))]
        elif action == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[where], lines[other] = lines[other], lines[where]
        elif action == "insert":
            lines.insert(where, draw(inserted_lines))
        else:
            lines[where] = draw(inserted_lines)
    separator = draw(st.sampled_from(["\r\n", "\n", "\r\n", "\r"]))
    return separator.join(lines) + draw(st.sampled_from([separator, "", " ", "\x00"]))


def without_section(sdp: str, kind: str) -> str:
    """The offer with its m=<kind> section removed."""
    sections = sdp.split("\r\nm=")
    kept = [sections[0]] + [s for s in sections[1:] if not s.startswith(kind + " ")]
    return "\r\nm=".join(kept)


def huge(sdp: str, size: int) -> str:
    """The offer grown to about `size` characters with extra (valid-looking) host candidates."""
    extra = []
    port = 10_000
    while len(sdp) + sum(len(e) + 2 for e in extra) < size:
        extra.append(f"a=candidate:{port} 1 udp 2122260223 127.0.0.1 {port} typ host generation 0")
        port += 1
    head, _, tail = sdp.partition("a=ice-ufrag:")
    return head + "\r\n".join(extra) + "\r\na=ice-ufrag:" + tail
