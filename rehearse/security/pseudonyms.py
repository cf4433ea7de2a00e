"""Keyed hashes (HMAC-SHA256 with the deployment's token secret) that stand for a candidate or a client address in
stored counters: the same person always maps to the same value, and nobody without the secret can recover who it is."""

from __future__ import annotations

import hashlib
import hmac


class Pseudonyms:
    def __init__(self, secret: str) -> None:
        self._key = secret.encode()

    def of(self, kind: str, value: str) -> str:
        """`kind` ("c" candidate, "a" address) keeps a candidate id from ever equalling an address's pseudonym."""
        digest = hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
        return f"{kind}:{digest[:40]}"


def client_address(peer: str | None, forwarded_for: str | None = None) -> str | None:
    """The client's address: `peer` (the socket's) where the app faces clients itself; behind a platform front end
    (Azure Functions), the last entry of X-Forwarded-For, which the front end appends (entries before it are the
    client's own claims). A port ("1.2.3.4:5678", "[::1]:80") is dropped."""
    if forwarded_for:
        last = forwarded_for.split(",")[-1].strip()
        if last.startswith("["):
            return last[1:].split("]")[0] or None
        return last.rsplit(":", 1)[0] if last.count(":") == 1 else (last or None)
    return peer or None
