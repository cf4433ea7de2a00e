"""What every answer to hostile input must look like, and the fuzzing budget shared by the suite."""

from __future__ import annotations

import json
import re
from http import HTTPStatus

from hypothesis import HealthCheck, settings

from tests.fuzz.embedded import Reply

# Reproducible in CI: the same examples every run, nothing remembered between runs.
FUZZ = dict(deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def budget(examples: int) -> settings:
    return settings(max_examples=examples, **FUZZ)


_REASON_PHRASES = {status.phrase.lower() for status in HTTPStatus}
_CODE = re.compile(r"^[a-z][a-z_]{2,40}$")


def assert_clear_error(reply: Reply, statuses: tuple[int, ...] | None = None) -> dict:
    """A 4xx JSON error {"v":1,"error":{"code","message"}} whose message says more than the status line does."""
    assert 400 <= reply.status < 500, reply
    if statuses is not None:
        assert reply.status in statuses, reply
    assert reply.headers.get("content-type", "").startswith("application/json"), reply
    body = json.loads(reply.body)
    assert set(body) == {"v", "error"} and body["v"] == 1, body
    error = body["error"]
    assert set(error) == {"code", "message"}, body
    assert _CODE.match(error["code"]), body
    message = error["message"]
    assert isinstance(message, str) and len(message) >= 12, body
    assert message.strip(" .:").lower() not in _REASON_PHRASES, f"the message only repeats the status: {body}"
    return error


def assert_answered(reply: Reply) -> dict | None:
    """Success with a JSON body, or a clear client error; never a server error."""
    if 200 <= reply.status < 300:
        body = json.loads(reply.body) if reply.body else None
        assert body is None or body.get("v") == 1 or "status" in body, reply
        return body
    assert_clear_error(reply)
    return None
