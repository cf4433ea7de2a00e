"""Signed, short-lived session tokens: an HS256 JWT whose subject is the session id."""

from __future__ import annotations

import time

import jwt

from rehearse.errors import InvalidToken

_ISSUER = "rehearse"
_AUDIENCE = "rehearse.session"


class SessionTokens:
    def __init__(self, secret: str, ttl_s: int = 3600) -> None:
        if len(secret) < 32:
            raise ValueError("the token secret must be at least 32 characters")
        self._secret = secret
        self.ttl_s = ttl_s

    def issue(self, session_id: str, candidate_id: str = "anonymous", now: float | None = None) -> tuple[str, int]:
        """A token for one session and its expiry (Unix seconds)."""
        issued = int(now if now is not None else time.time())
        expires = issued + self.ttl_s
        claims = {"sub": session_id, "cid": candidate_id, "iat": issued, "exp": expires, "iss": _ISSUER, "aud": _AUDIENCE}
        return jwt.encode(claims, self._secret, algorithm="HS256"), expires

    def verify(self, token: str | None, session_id: str) -> dict:
        """The token's claims if it is valid and for this session; InvalidToken otherwise."""
        if not token:
            raise InvalidToken("missing session token: send 'Authorization: Bearer <token>' from POST /api/sessions")
        try:
            claims = jwt.decode(token, self._secret, algorithms=["HS256"], audience=_AUDIENCE, issuer=_ISSUER)
        except jwt.ExpiredSignatureError:
            raise InvalidToken("the session token has expired: create a new session") from None
        except jwt.PyJWTError:
            raise InvalidToken("the session token is malformed or badly signed") from None
        if claims.get("sub") != session_id:
            raise InvalidToken("the session token is for another session")
        return claims


def bearer_token(authorization: str | None) -> str | None:
    """The token of an 'Authorization: Bearer <token>' header value."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
