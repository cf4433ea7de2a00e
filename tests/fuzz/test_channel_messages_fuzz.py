"""Hostile data-channel messages: parse_client_message returns a message model or raises InvalidRequest, nothing else."""

from __future__ import annotations

import json

from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import BaseModel

from rehearse.domain.errors import InvalidRequest
from rehearse.interview.channel_messages import parse_client_message
from tests.fuzz.expect import budget

KINDS = ["hello", "next", "repeat", "end", "ping", "pong", "link", "diagnostics", "HELLO", "", "question", "transcript"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
messages = st.fixed_dictionaries(
    {"type": st.sampled_from(KINDS) | json_values},
    optional={
        "v": json_values | st.integers(-2, 3),
        "after_seq": json_values | st.integers(-5, 2**70),
        "t": json_values,
        "state": st.sampled_from(["good", "poor", "lost", "GOOD"]) | json_values,
        "rtt_ms": st.floats() | json_values,
        "packet_loss": st.floats(-1, 2) | json_values,
        "available_kbps": st.floats() | json_values,
        "extra": json_values,
    },
)


def assert_parsed_or_refused(raw: str | bytes) -> None:
    try:
        message = parse_client_message(raw)
    except InvalidRequest as exc:
        assert exc.code == "invalid_request" and len(exc.message) > 20
        assert "docs/protocol.md" in exc.message or "4 KiB" in exc.message, exc.message  # where to read how to fix it
        return
    assert isinstance(message, BaseModel) and message.type in KINDS
    json.loads(message.model_dump_json())  # whatever was accepted can be echoed back as JSON


@budget(300)
@given(message=messages)
@example(message={"type": "ping", "t": float("inf")})
@example(message={"type": "ping", "t": float("nan")})
@example(message={"type": "hello", "after_seq": 10**30})
def test_json_messages_of_any_shape_are_parsed_or_refused(message):
    assert_parsed_or_refused(json.dumps(message))


@budget(200)
@given(raw=st.text(max_size=5000) | st.binary(max_size=100) | json_values.map(json.dumps))
@example(raw="[" * 4000)
@example(raw='{"type": "hello", "after_seq": ' + "[" * 3000 + "]" * 3000 + "}")
@example(raw='{"type": "hello", "after_seq": ' + "9" * 4400 + "}")
@example(raw='{"type": "ping", "t": 1e999}')
@example(raw='{"type": "\\ud800"}')
@example(raw="x" * 4097)
@example(raw="\x00")
def test_any_text_or_bytes_is_parsed_or_refused(raw):
    assert_parsed_or_refused(raw)
