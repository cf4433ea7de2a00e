"""Who the candidate is: read from App Service Authentication (Easy Auth) headers, or the one local anonymous candidate."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rehearse.domain.errors import InvalidToken, RehearseError
from rehearse.domain.parsing import problems

PRINCIPAL_HEADER = "x-ms-client-principal"
PRINCIPAL_ID_HEADER = "x-ms-client-principal-id"
PRINCIPAL_NAME_HEADER = "x-ms-client-principal-name"
PRINCIPAL_IDP_HEADER = "x-ms-client-principal-idp"
CANDIDATE_HEADER = "x-rehearse-candidate"  # the page's candidate token on POST /api/sessions (docs/protocol.md)
OBJECT_ID_CLAIMS = ("http://schemas.microsoft.com/identity/claims/objectidentifier", "oid")
NAME_CLAIM = "name"
# Easy Auth headers are a few KB at most; a far larger one is not from the platform and is not worth decoding.
_MAX_PRINCIPAL_CHARS = 16 * 1024


class Candidate(BaseModel):
    """The person being interviewed, as the identity provider names them."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1, max_length=256)  # stable per person: Entra ID's object id, never the display name
    name: str | None = Field(default=None, max_length=256)
    provider: str = Field(min_length=1, max_length=64)  # Easy Auth's auth_typ: "aad" for Entra ID; "local" when signed out


ANONYMOUS = Candidate(id="anonymous", name="Anonymous candidate", provider="local")


class SignInRequired(RehearseError):
    code = "sign_in_required"


class NotYourSession(RehearseError):
    code = "not_your_session"


class CandidateMismatch(RehearseError):
    code = "candidate_mismatch"


class _Claim(BaseModel):
    typ: str
    val: str


class _Principal(BaseModel):
    """The decoded X-MS-CLIENT-PRINCIPAL: only the fields we read; Easy Auth adds others (name_typ, role_typ)."""

    auth_typ: str = Field(min_length=1)
    claims: list[_Claim]
    name_typ: str | None = None


def candidate_from_principal(headers: Mapping[str, str]) -> Candidate | None:
    """The signed-in candidate, or None when no Easy Auth header is present; InvalidToken when one is malformed.

    Trust these headers only behind App Service Authentication: the platform strips client-sent X-MS-* headers."""
    lower = {key.lower(): value for key, value in headers.items()}
    encoded = lower.get(PRINCIPAL_HEADER, "").strip()
    header_id = lower.get(PRINCIPAL_ID_HEADER, "").strip() or None
    header_name = lower.get(PRINCIPAL_NAME_HEADER, "").strip() or None
    if not encoded:
        if header_id is None:
            return None
        return _candidate(header_id, header_name, lower.get(PRINCIPAL_IDP_HEADER, "").strip() or "unknown")
    principal = _decode_principal(encoded)
    claims = {claim.typ: claim.val for claim in principal.claims}
    object_id = next((claims[typ] for typ in OBJECT_ID_CLAIMS if claims.get(typ)), None) or header_id
    if object_id is None:
        raise InvalidToken("the X-MS-CLIENT-PRINCIPAL has no object id claim (oid) and no X-MS-CLIENT-PRINCIPAL-ID came with it")
    name = claims.get(NAME_CLAIM) or (claims.get(principal.name_typ) if principal.name_typ else None) or header_name
    return _candidate(object_id, name, principal.auth_typ)


def signed_in_candidate(headers: Mapping[str, str], require_sign_in: bool) -> Candidate:
    """The candidate making a request: from Easy Auth when sign-in is required, else the local anonymous one."""
    if not require_sign_in:
        return ANONYMOUS
    candidate = candidate_from_principal(headers)
    if candidate is None:
        raise SignInRequired("sign in first: this deployment requires App Service Authentication (/.auth/login/aad)")
    return candidate


def check_owner(candidate: Candidate, owner_id: str) -> None:
    """NotYourSession unless the candidate is the session's owner."""
    if candidate.id != owner_id:
        raise NotYourSession("this session belongs to another candidate")


def acting_candidate_id(headers: Mapping[str, str], require_sign_in: bool, token_candidate_id: str | None) -> str | None:
    """Whose interviews a request creates or lists, or None for a new candidate.

    With sign-in required, the signed-in principal, and a candidate token (already verified) must name the same
    person; without, the candidate the token names. Easy Auth headers are ignored when sign-in is off."""
    if not require_sign_in:
        return token_candidate_id
    principal = signed_in_candidate(headers, True)
    if token_candidate_id is not None and token_candidate_id != principal.id:
        raise CandidateMismatch("the candidate token belongs to another signed-in candidate: sign in as them, or drop the token")
    return principal.id


def _decode_principal(encoded: str) -> _Principal:
    if len(encoded) > _MAX_PRINCIPAL_CHARS:
        raise InvalidToken(f"the X-MS-CLIENT-PRINCIPAL header is {len(encoded)} characters; at most {_MAX_PRINCIPAL_CHARS} are accepted")
    # Easy Auth sends standard base64 with padding; tolerate URL-safe characters and dropped padding from proxies.
    normalised = encoded.replace("-", "+").replace("_", "/")
    normalised += "=" * (-len(normalised) % 4)
    try:
        raw = base64.b64decode(normalised, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidToken("the X-MS-CLIENT-PRINCIPAL header is not valid base64") from None
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested deeper than the parser's stack
        raise InvalidToken("the X-MS-CLIENT-PRINCIPAL header is base64 but not JSON") from None
    try:
        return _Principal.model_validate(document)
    except ValidationError as exc:
        raise InvalidToken(f"the X-MS-CLIENT-PRINCIPAL JSON is not an Easy Auth principal: {problems(exc, whole='the document', limit=1)}") from None


def _candidate(candidate_id: str, name: str | None, provider: str) -> Candidate:
    try:
        return Candidate(id=candidate_id, name=name[:256] if name else None, provider=provider[:64])
    except ValidationError:
        raise InvalidToken("the signed-in principal's id is empty or longer than 256 characters") from None
