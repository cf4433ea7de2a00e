"""The relay as its own process (the container's entry point): health, and a graceful stop on SIGTERM."""

import json
import signal
import urllib.error
import urllib.request

from tests.support.server import running_app


def test_relay_answers_health_and_drains_on_sigterm(tmp_path):
    with running_app(tmp_path / "data", tmp_path / "relay.log", module="media_relay", REHEARSE_PRELOAD_MODELS="false", REHEARSE_DRAIN_GRACE_S="5") as (base, proc):
        health = json.loads(urllib.request.urlopen(base + "/healthz", timeout=5).read())
        assert health == {"status": "ok", "live_sessions": 0}
        request = urllib.request.Request(base + "/api/sessions/s_x/offer", data=b"{}", method="POST", headers={"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(request, timeout=5)
        except urllib.error.HTTPError as err:
            assert err.code == 401 and json.loads(err.read())["error"]["code"] == "invalid_token"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
