"""ICE servers for one connection: the configured STUN/TURN list plus short-lived TURN credentials.

The credentials follow the TURN REST API convention that coturn implements with `use-auth-secret`: the
username is `<expiry unix time>:<who>` and the password is base64(HMAC-SHA1(shared secret, username)). The TURN
server checks them with the same secret, so nothing per session is stored and a leaked credential expires."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any


def turn_credentials(secret: str, who: str, ttl_s: int, now: float | None = None) -> tuple[str, str]:
    """(username, credential) valid for ttl_s seconds from now."""
    if ":" in who:
        raise ValueError("the TURN user name part may not contain ':'")
    expiry = int(now if now is not None else time.time()) + ttl_s
    username = f"{expiry}:{who}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers_for(
    who: str,
    configured: list[dict[str, Any]],
    turn_urls: list[str],
    turn_secret: str | None,
    ttl_s: int,
    now: float | None = None,
) -> list[dict[str, Any]]:
    """RTCIceServer dicts for one peer: the configured ones as they are, then the TURN URLs with fresh credentials."""
    servers = [dict(s) for s in configured]
    if turn_urls and turn_secret:
        username, credential = turn_credentials(turn_secret, who, ttl_s, now)
        servers.append({"urls": list(turn_urls), "username": username, "credential": credential})
    return servers
