"""Signed tokens, HS256 JWTs: short-lived session tokens (subject: a session) and long-lived candidate tokens
(subject: a candidate, for listing their past interviews). Their audiences differ, so neither is ever taken for the other."""

from __future__ import annotations

import secrets
import time
from functools import cached_property

import jwt

from rehearse.domain.errors import InvalidToken
from rehearse.security.pseudonyms import Pseudonyms

_ISSUER = "rehearse"
_AUDIENCE = "rehearse.session"
_CANDIDATE_AUDIENCE = "rehearse.candidate"
CANDIDATE_TTL_S = 180 * 24 * 3600  # a browser keeps its candidate for half a year; every new session renews it


def _checked(secret: str) -> str:
    if len(secret) < 32:
        raise ValueError("the token secret must be at least 32 characters")
    return secret


def _sign(secret: str, audience: str, subject: str, ttl_s: int, now: float | None, **extra: str) -> tuple[str, int]:
    """An HS256 token for the subject and its expiry (Unix seconds)."""
    issued = int(now if now is not None else time.time())
    expires = issued + ttl_s
    claims = {"sub": subject, **extra, "iat": issued, "exp": expires, "iss": _ISSUER, "aud": audience}
    return jwt.encode(claims, secret, algorithm="HS256"), expires


def _verified(
    secret: str, token: str | None, audience: str, noun: str, *, missing: str, expired: str, resend: str, not_this_kind: str | None = None
) -> dict:
    """The token's verified claims, or InvalidToken saying what is wrong with the `noun` ("session token", ...) and what to do."""
    if not token:
        raise InvalidToken(f"missing {noun}: {missing}")
    if not token.isascii():  # a JWT is ASCII; anything else cannot be one of ours (and PyJWT cannot encode it)
        raise InvalidToken(f"the {noun} is malformed: send it exactly as POST /api/sessions returned it")
    try:
        return jwt.decode(
            token, secret, algorithms=["HS256"], audience=audience, issuer=_ISSUER, options={"require": ["exp", "iat", "sub"]}
        )
    except jwt.ExpiredSignatureError:
        raise InvalidToken(f"the {noun} has expired: {expired}") from None
    except jwt.InvalidAudienceError:
        raise InvalidToken(not_this_kind or f"the {noun} is malformed or badly signed: {resend}") from None
    except jwt.InvalidSignatureError:
        raise InvalidToken(f"the {noun} is badly signed: it was not issued by this deployment") from None
    except jwt.PyJWTError:
        raise InvalidToken(f"the {noun} is malformed or badly signed: {resend}") from None


class SessionTokens:
    def __init__(self, secret: str, ttl_s: int = 3600) -> None:
        self._secret = _checked(secret)
        self.ttl_s = ttl_s

    def issue(self, session_id: str, candidate_id: str = "anonymous", now: float | None = None) -> tuple[str, int]:
        """A token for one session and its expiry (Unix seconds)."""
        return _sign(self._secret, _AUDIENCE, session_id, self.ttl_s, now, cid=candidate_id)

    def verify(self, token: str | None, session_id: str) -> dict:
        """The token's claims if it is valid and for this session; InvalidToken otherwise."""
        claims = _verified(
            self._secret, token, _AUDIENCE, "session token",
            missing="send 'Authorization: Bearer <token>' from POST /api/sessions",
            expired="create a new session",
            resend="send it exactly as POST /api/sessions returned it",
        )
        if claims.get("sub") != session_id:
            raise InvalidToken("the session token is for another session")
        return claims

    @cached_property
    def candidates(self) -> CandidateTokens:
        """Candidate tokens signed with the same secret: one secret to deploy and rotate."""
        return CandidateTokens(self._secret)

    @cached_property
    def pseudonyms(self) -> Pseudonyms:
        """Keyed hashes of candidates and addresses for stored counters, with the same secret."""
        return Pseudonyms(self._secret)


def new_candidate_id() -> str:
    return "c_" + secrets.token_hex(12)


class CandidateTokens:
    """Long-lived tokens naming a candidate: the embedded default has no sign-in, yet a browser's past interviews must
    stay listable after their session tokens expire. The page keeps the token; whoever holds it is that candidate."""

    def __init__(self, secret: str, ttl_s: int = CANDIDATE_TTL_S) -> None:
        self._secret = _checked(secret)
        self.ttl_s = ttl_s

    def issue(self, candidate_id: str, now: float | None = None) -> tuple[str, int]:
        """A token for the candidate and its expiry (Unix seconds)."""
        return _sign(self._secret, _CANDIDATE_AUDIENCE, candidate_id, self.ttl_s, now, kind="candidate")

    def verify(self, token: str | None) -> str:
        """The candidate id the token names; InvalidToken unless it is a valid candidate token of this deployment."""
        claims = _verified(
            self._secret, token, _CANDIDATE_AUDIENCE, "candidate token",
            missing="send the candidate.token that POST /api/sessions returned",
            expired="create a session without it to start as a new candidate",
            resend="send it exactly as it was returned",
            not_this_kind="this is not a candidate token: send the candidate.token from POST /api/sessions, not a session token",
        )
        candidate_id = claims.get("sub")
        if claims.get("kind") != "candidate" or not isinstance(candidate_id, str) or not candidate_id:
            raise InvalidToken("this is not a candidate token: send the candidate.token from POST /api/sessions")
        return candidate_id


def is_candidate_token(token: str | None) -> bool:
    """Whether the token says it is a candidate token (unverified: only to choose which verifier checks it)."""
    if not token or not token.isascii():
        return False
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return False
    return claims.get("aud") == _CANDIDATE_AUDIENCE


def bearer_token(authorization: str | None) -> str | None:
    """The token of an 'Authorization: Bearer <token>' header value."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
