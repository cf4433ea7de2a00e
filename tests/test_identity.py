"""Reading the candidate from App Service Authentication headers: Entra ID principals, fallbacks, malformed input."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from rehearse.app.http_api import http_status
from rehearse.domain.errors import InvalidToken
from rehearse.security.identity import (
    ANONYMOUS,
    Candidate,
    CandidateMismatch,
    NotYourSession,
    SignInRequired,
    acting_candidate_id,
    candidate_from_principal,
    check_owner,
    signed_in_candidate,
)

OID = "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"

# What Easy Auth (auth v2) puts in X-MS-CLIENT-PRINCIPAL after an Entra ID sign-in, claim types as it emits them.
ENTRA_PRINCIPAL: dict[str, Any] = {
    "auth_typ": "aad",
    "claims": [
        {"typ": "aud", "val": "0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e"},
        {"typ": "iss", "val": f"https://login.microsoftonline.com/{TENANT}/v2.0"},
        {"typ": "iat", "val": "1735689600"},
        {"typ": "nbf", "val": "1735689600"},
        {"typ": "exp", "val": "1735693500"},
        {"typ": "aio", "val": "AWQAm/8YAAAA"},
        {"typ": "c_hash", "val": "x3Yx1c8bQmF6nS8r0p0cKQ"},
        {"typ": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", "val": "ada@contoso.com"},
        {"typ": "name", "val": "Ada Lovelace"},
        {"typ": "nonce", "val": "7f3c0c6d2b1e4a9c_20250101000000"},
        {"typ": "http://schemas.microsoft.com/identity/claims/objectidentifier", "val": OID},
        {"typ": "preferred_username", "val": "ada@contoso.com"},
        {"typ": "rh", "val": "0.AQwAv4j5cvGGr0GRqy180BHbRw"},
        {"typ": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier", "val": "Xk8s2d9Qm3vB7nR1tY6uW0eZ4cA5fG"},
        {"typ": "http://schemas.microsoft.com/identity/claims/tenantid", "val": TENANT},
        {"typ": "uti", "val": "aBcDeFgHiJkLmNoPqRsTuA"},
        {"typ": "ver", "val": "2.0"},
    ],
    "name_typ": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    "role_typ": "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
}


def encode(document: Any) -> str:
    return base64.b64encode(json.dumps(document).encode()).decode()


def headers_for(principal: dict[str, Any], **extra: str) -> dict[str, str]:
    return {"x-ms-client-principal": encode(principal), "x-ms-client-principal-idp": principal.get("auth_typ", ""), **extra}


def test_entra_principal_gives_the_object_id_and_name():
    candidate = candidate_from_principal(headers_for(ENTRA_PRINCIPAL, **{"x-ms-client-principal-name": "ada@contoso.com"}))
    assert candidate == Candidate(id=OID, name="Ada Lovelace", provider="aad")


def test_header_names_are_matched_whatever_their_case():
    candidate = candidate_from_principal({"X-MS-CLIENT-PRINCIPAL": encode(ENTRA_PRINCIPAL)})
    assert candidate is not None and candidate.id == OID


def test_short_oid_claim_is_read_too():
    principal = {"auth_typ": "aad", "claims": [{"typ": "oid", "val": OID}, {"typ": "name", "val": "Ada"}]}
    assert candidate_from_principal(headers_for(principal)) == Candidate(id=OID, name="Ada", provider="aad")


def test_name_falls_back_to_the_name_typ_claim_then_the_name_header():
    without_name = {**ENTRA_PRINCIPAL, "claims": [c for c in ENTRA_PRINCIPAL["claims"] if c["typ"] != "name"]}
    assert candidate_from_principal(headers_for(without_name)).name == "ada@contoso.com"
    bare = {"auth_typ": "aad", "claims": [{"typ": "oid", "val": OID}]}
    assert candidate_from_principal(headers_for(bare, **{"x-ms-client-principal-name": "Ada L."})).name == "Ada L."
    assert candidate_from_principal(headers_for(bare)).name is None


def test_id_falls_back_to_the_principal_id_header():
    principal = {"auth_typ": "aad", "claims": [{"typ": "name", "val": "Ada"}]}
    candidate = candidate_from_principal(headers_for(principal, **{"x-ms-client-principal-id": OID}))
    assert candidate == Candidate(id=OID, name="Ada", provider="aad")


def test_id_and_name_headers_alone_are_a_candidate():
    headers = {"x-ms-client-principal-id": OID, "x-ms-client-principal-name": "ada@contoso.com", "x-ms-client-principal-idp": "aad"}
    assert candidate_from_principal(headers) == Candidate(id=OID, name="ada@contoso.com", provider="aad")


def test_no_principal_headers_means_nobody_signed_in():
    assert candidate_from_principal({}) is None
    assert candidate_from_principal({"x-ms-client-principal": "  ", "authorization": "Bearer abc"}) is None


def test_padding_dropped_by_a_proxy_is_tolerated():
    stripped = encode(ENTRA_PRINCIPAL).rstrip("=")
    assert candidate_from_principal({"x-ms-client-principal": stripped}).id == OID


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not base64 at all!", "not valid base64"),
        ("eyJhdXRoX3R5cCI6", "not JSON"),  # base64 of a truncated JSON document
        (base64.b64encode(b"\xff\xfe\x00garbage").decode(), "not JSON"),
        (encode(["aad", OID]), "not an Easy Auth principal"),
        (encode({"claims": [{"typ": "oid", "val": OID}]}), "auth_typ"),
        (encode({"auth_typ": "aad", "claims": "oid"}), "claims"),
        (encode({"auth_typ": "aad", "claims": [{"typ": "oid"}]}), "claims.0.val"),
        (encode({"auth_typ": "aad", "claims": [{"typ": "oid", "val": 42}]}), "claims.0.val"),
        (encode({"auth_typ": "aad", "claims": [{"typ": "name", "val": "Ada"}]}), "no object id claim"),
        ("A" * 20_000, "at most"),
    ],
)
def test_malformed_principal_is_a_precise_invalid_token(value, message):
    with pytest.raises(InvalidToken, match=message) as caught:
        candidate_from_principal({"x-ms-client-principal": value})
    assert http_status(caught.value) == 401 and caught.value.code == "invalid_token"


def test_an_overlong_id_is_rejected_not_stored():
    with pytest.raises(InvalidToken, match="longer than 256"):
        candidate_from_principal({"x-ms-client-principal-id": "x" * 300})


def test_without_required_sign_in_everyone_is_the_anonymous_candidate():
    assert signed_in_candidate(headers_for(ENTRA_PRINCIPAL), require_sign_in=False) is ANONYMOUS
    assert ANONYMOUS.id == "anonymous" and ANONYMOUS.provider == "local"


def test_required_sign_in_needs_a_principal():
    assert signed_in_candidate(headers_for(ENTRA_PRINCIPAL), require_sign_in=True).id == OID
    with pytest.raises(SignInRequired) as caught:
        signed_in_candidate({}, require_sign_in=True)
    assert (http_status(caught.value), caught.value.code) == (401, "sign_in_required")


def test_only_the_owner_may_read_a_session():
    owner = Candidate(id=OID, name="Ada", provider="aad")
    check_owner(owner, OID)
    with pytest.raises(NotYourSession) as caught:
        check_owner(Candidate(id="someone-else", provider="aad"), OID)
    assert (http_status(caught.value), caught.value.code) == (403, "not_your_session")


def test_without_sign_in_the_candidate_is_the_one_the_token_names_or_a_new_one():
    assert acting_candidate_id(headers_for(ENTRA_PRINCIPAL), False, "c_1") == "c_1"  # Easy Auth headers ignored
    assert acting_candidate_id({}, False, None) is None


def test_with_sign_in_the_candidate_is_the_principal_and_a_token_must_name_them():
    assert acting_candidate_id(headers_for(ENTRA_PRINCIPAL), True, None) == OID
    assert acting_candidate_id(headers_for(ENTRA_PRINCIPAL), True, OID) == OID
    with pytest.raises(CandidateMismatch) as caught:
        acting_candidate_id(headers_for(ENTRA_PRINCIPAL), True, "c_someone_else")
    assert (http_status(caught.value), caught.value.code) == (403, "candidate_mismatch")
    with pytest.raises(SignInRequired):
        acting_candidate_id({}, True, OID)
