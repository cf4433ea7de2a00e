"""The relay as the Container App runs it (`python -m media_relay`) sends the API's security headers on every reply."""

import urllib.error
import urllib.request

from rehearse.security.headers import API_HEADERS
from tests.support.server import running_app


def _reply(base: str, method: str, path: str, body: bytes | None = None):
    request = urllib.request.Request(base + path, data=body, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:
            return reply.status, reply.headers
    except urllib.error.HTTPError as err:
        return err.code, err.headers


def test_every_relay_reply_carries_the_api_security_headers(tmp_path):
    with running_app(tmp_path / "data", tmp_path / "relay.log", module="media_relay", REHEARSE_PRELOAD_MODELS="false") as (base, _):
        replies = {
            "health": _reply(base, "GET", "/healthz"),
            "offer without a token": _reply(base, "POST", "/api/sessions/s_x/offer", b"{}"),
            "no such route": _reply(base, "GET", "/api/nowhere"),
            "wrong method": _reply(base, "GET", "/api/sessions/s_x/offer"),
            "not the API": _reply(base, "GET", "/index.html"),
        }
    assert {what: status for what, (status, _) in replies.items()} == {
        "health": 200, "offer without a token": 401, "no such route": 404, "wrong method": 405, "not the API": 404,
    }
    for what, (_, headers) in replies.items():
        sent = {name: headers.get(name) for name in API_HEADERS}
        assert sent == API_HEADERS, what
