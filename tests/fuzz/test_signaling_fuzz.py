"""Broken SDP offers against the relay's signaling endpoint: an answer or a clear 4xx, never a 5xx, never a hang."""

from __future__ import annotations

import json

import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.exceptions import InvalidStateError, OperationError
from hypothesis import example, given
from hypothesis import strategies as st

from media_relay.signaling import check_offer
from rehearse.domain.errors import InvalidSdp
from tests.fuzz.expect import assert_answered, assert_clear_error, budget
from tests.fuzz.sdp import AIORTC_OFFER, CHROMIUM_OFFER, OFFERS, OFFERS_WITHOUT_MDNS, huge, mutated_offers, without_section

JSON = {"Content-Type": "application/json"}


async def post_offer(embedded, session, payload) -> object:
    headers = {**JSON, "Authorization": f"Bearer {session['token']}"}
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    try:
        return await embedded.request("POST", f"/api/sessions/{session['session_id']}/offer", headers, raw)
    finally:
        await embedded.close_live()  # each example starts from a relay with nothing live


def assert_answer_or_clear_refusal(reply) -> dict | None:
    body = assert_answered(reply)
    if body is not None:
        assert reply.status == 200 and body["type"] == "answer" and body["sdp"].startswith("v=0"), body
        return body
    error = json.loads(reply.body)["error"]
    assert error["code"] in ("invalid_sdp", "invalid_request"), error
    assert not error["message"].rstrip().endswith(":"), f"the message stops before saying what is wrong: {error}"
    return None


@pytest.mark.parametrize("shape", sorted(OFFERS))
async def test_the_unbroken_offers_are_answered(embedded, session, shape):
    reply = await post_offer(embedded, session, {"sdp": OFFERS[shape], "type": "offer"})
    body = assert_answer_or_clear_refusal(reply)
    assert body is not None, reply  # otherwise the mutations below start from an offer that was never valid
    assert "m=audio" in body["sdp"] and "m=application" in body["sdp"]


@budget(30)  # an answered offer costs about a second (a peer connection and a recognizer stream, then closed)
@given(sdp=mutated_offers())
@example(sdp=CHROMIUM_OFFER.replace("a=fingerprint:sha-256 ", "a=fingerprint:sha-256 ZZ", 2))
@example(sdp=CHROMIUM_OFFER.replace("a=rtpmap:111 opus/48000/2", "a=rtpmap:111 foo/48000/2"))
@example(sdp=AIORTC_OFFER.replace("m=audio 42893", "m=audio -1"))
@example(sdp=AIORTC_OFFER.replace("m=audio 42893", "m=audio 99999999999"))
@example(sdp=AIORTC_OFFER.replace("127.0.0.1 42893 typ host", "127.0.0.1 x typ host"))
@example(sdp=AIORTC_OFFER.replace("a=sendrecv", "a=recvonly"))
@example(sdp=CHROMIUM_OFFER.replace("a=mid:0", "a=mid:1"))
async def test_mutated_offers_are_answered_or_refused_clearly(embedded, session, sdp):
    assert_answer_or_clear_refusal(await post_offer(embedded, session, {"sdp": sdp, "type": "offer"}))


# What aiortc raises on purpose, with a message; an AttributeError or KeyError from deep inside it is a crash instead.
_CLEAR_REFUSALS = (ValueError, InvalidStateError, OperationError)


@budget(200)
@given(sdp=mutated_offers(OFFERS_WITHOUT_MDNS))
async def test_whatever_the_check_lets_through_aiortc_can_answer_and_close(sdp):
    """check_offer's verdict agrees with aiortc's: an offer it passes is answered by a real peer connection, which then
    closes cleanly. This runs without the recognizer, so it affords many more examples than the endpoint test."""
    try:
        check_offer(sdp, "offer")
    except InvalidSdp as exc:
        assert not exc.message.rstrip().endswith(":") and len(exc.message) > 20, exc.message
        return
    pc = RTCPeerConnection()
    try:
        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        assert pc.localDescription.sdp.startswith("v=0")
    except _CLEAR_REFUSALS as exc:  # aiortc's own validation: the relay passes its message on
        assert str(exc), repr(exc)
    finally:
        await pc.close()  # must not raise: a connection that cannot close leaks its sockets and tasks


@pytest.mark.parametrize(
    ("sdp", "says"),
    [
        (without_section(CHROMIUM_OFFER, "audio"), "audio"),
        (without_section(CHROMIUM_OFFER, "application"), "data channel"),
        (without_section(without_section(AIORTC_OFFER, "audio"), "application"), "audio"),
        ("", "audio"),
        ("v=0\r\n", "audio"),
    ],
)
async def test_offers_without_the_needed_media_say_which_is_missing(embedded, session, sdp, says):
    error = assert_clear_error(await post_offer(embedded, session, {"sdp": sdp, "type": "offer"}), (400,))
    assert error["code"] == "invalid_sdp" and says in error["message"]


@pytest.mark.parametrize("size", [20_000, 60_000, 70_000])
async def test_huge_offers_are_answered_or_refused(embedded, session, size):
    reply = await post_offer(embedded, session, {"sdp": huge(AIORTC_OFFER, size), "type": "offer"})
    if size > 65_536:
        assert assert_clear_error(reply, (413,))["code"] == "body_too_large"
    else:
        assert_answer_or_clear_refusal(reply)


@budget(25)
@given(kind=st.sampled_from(["answer", "pranswer", "rollback", "OFFER", "", " offer"]) | st.text(max_size=12).filter(lambda t: t != "offer"))
async def test_only_an_offer_is_taken(embedded, session, kind):
    error = assert_clear_error(await post_offer(embedded, session, {"sdp": AIORTC_OFFER, "type": kind}), (400,))
    assert error["code"] == "invalid_sdp" and "offer" in error["message"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


@budget(40)
@given(body=json_values | st.fixed_dictionaries({}, optional={"sdp": json_values, "type": json_values}))
@example(body=[1])
async def test_offer_bodies_of_the_wrong_shape_get_the_expected_shape(embedded, session, body):
    error = assert_clear_error(await post_offer(embedded, session, body), (400,))
    assert error["code"] in ("invalid_request", "invalid_sdp"), error
    if error["code"] == "invalid_request":
        assert '"sdp"' in error["message"] and '"type"' in error["message"]


@pytest.mark.parametrize("raw", [b"[" * 5000, b"{", b'{"sdp": "\\ud800", "type": "offer"}', b"\xff\xfe{}", b"null"])
async def test_offer_bodies_that_are_not_json_objects_are_refused(embedded, session, raw):
    error = assert_clear_error(await post_offer(embedded, session, raw), (400,))
    assert error["code"] in ("invalid_json", "invalid_request", "invalid_sdp"), error
