"""Session tokens an attacker could send: forged, tampered, expired, for another session or another deployment."""

from __future__ import annotations

import base64
import json
import time

import jwt
from hypothesis import strategies as st

from rehearse.security.tokens import SessionTokens
from tests.fuzz.embedded import SECRET

OTHER_SECRET = "another-deployment-" + "z" * 60


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(session_id: str, **changes) -> dict:
    now = int(time.time())
    claims = {"sub": session_id, "cid": "anonymous", "iat": now, "exp": now + 600, "iss": "rehearse", "aud": "rehearse.session"}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def forged_tokens(session_id: str, other_session_id: str, valid_other: str) -> dict[str, str]:
    """Named tokens that must all be refused for session_id (valid_other is a genuine token of other_session_id)."""
    now = int(time.time())
    header, payload, signature = valid_other.split(".")
    spliced_payload = _b64(json.dumps(_claims(session_id)).encode())
    return {
        "expired": SessionTokens(SECRET, ttl_s=60).issue(session_id, now=now - 3600)[0],
        "other_secret": SessionTokens(OTHER_SECRET).issue(session_id)[0],
        "other_session": valid_other,
        "alg_none": jwt.encode(_claims(session_id), None, algorithm="none"),
        "hs512_same_secret": jwt.encode(_claims(session_id), SECRET, algorithm="HS512"),
        "wrong_audience": jwt.encode(_claims(session_id, aud="rehearse.pubsub"), SECRET, algorithm="HS256"),
        "wrong_issuer": jwt.encode(_claims(session_id, iss="evil"), SECRET, algorithm="HS256"),
        "no_issuer": jwt.encode(_claims(session_id, iss=None), SECRET, algorithm="HS256"),
        "not_yet_valid": jwt.encode(_claims(session_id, nbf=now + 3600), SECRET, algorithm="HS256"),
        "subject_list": jwt.encode(_claims(session_id, sub=[session_id]), SECRET, algorithm="HS256"),
        "spliced_payload": f"{header}.{spliced_payload}.{signature}",
        "truncated_signature": f"{header}.{payload}.{signature[:-4]}",
        "no_signature": f"{header}.{payload}.",
        "two_parts": f"{header}.{payload}",
        "four_parts": f"{valid_other}.{signature}",
        "garbage_base64": "!!!.???.***",
        "huge": "a" * 7000,
    }


def forged_token_names() -> list[str]:
    return list(forged_tokens("s_a", "s_b", SessionTokens(SECRET).issue("s_b")[0]))


# Header values a client may send (latin-1, no control characters: the HTTP parser refuses those before the app).
header_text = st.text(st.characters(codec="latin-1", exclude_categories=("Cc",)), max_size=200).map(str.strip)

authorization_values = st.one_of(
    header_text,
    st.builds(lambda scheme, value: f"{scheme} {value}", st.sampled_from(["Bearer", "bearer", "BEARER", "Basic", "Token", ""]), header_text),
    st.builds(lambda dots: "Bearer " + ".".join(dots), st.lists(st.text("ABCabc0123456789-_=+/", max_size=40), min_size=1, max_size=5)),
)
