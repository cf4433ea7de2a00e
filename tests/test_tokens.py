import pytest

from rehearse.domain.errors import InvalidToken
from rehearse.security.tokens import CandidateTokens, SessionTokens, bearer_token, is_candidate_token, new_candidate_id

SECRET = "x" * 40


def test_token_verifies_for_its_own_session():
    tokens = SessionTokens(SECRET)
    token, _ = tokens.issue("s_1")
    assert tokens.verify(token, "s_1")["sub"] == "s_1"


def test_token_for_another_session_is_refused():
    tokens = SessionTokens(SECRET)
    token, _ = tokens.issue("s_1")
    with pytest.raises(InvalidToken, match="another session"):
        tokens.verify(token, "s_2")


def test_expired_token_is_refused():
    tokens = SessionTokens(SECRET, ttl_s=60)
    token, _ = tokens.issue("s_1", now=1_000_000)
    with pytest.raises(InvalidToken, match="expired"):
        tokens.verify(token, "s_1")


def test_token_signed_with_another_secret_is_refused():
    token, _ = SessionTokens("y" * 40).issue("s_1")
    with pytest.raises(InvalidToken, match="badly signed"):
        SessionTokens(SECRET).verify(token, "s_1")


def test_missing_token_says_how_to_get_one():
    with pytest.raises(InvalidToken, match="Authorization: Bearer"):
        SessionTokens(SECRET).verify(None, "s_1")


@pytest.mark.parametrize(("header", "token"), [("Bearer abc", "abc"), ("bearer  abc ", "abc"), ("Basic abc", None), ("Bearer", None), (None, None)])
def test_bearer_token_is_read_from_the_header(header, token):
    assert bearer_token(header) == token


def test_short_secret_is_rejected():
    with pytest.raises(ValueError):
        SessionTokens("short")


def test_candidate_token_names_its_candidate_for_half_a_year():
    tokens = SessionTokens(SECRET).candidates
    candidate = new_candidate_id()
    token, expires = tokens.issue(candidate, now=1_000_000)
    assert candidate.startswith("c_") and len(candidate) == 26
    assert expires - 1_000_000 == 180 * 24 * 3600
    assert tokens.verify(tokens.issue(candidate)[0]) == candidate
    assert is_candidate_token(token) and not is_candidate_token(SessionTokens(SECRET).issue("s_1")[0])


def test_session_and_candidate_tokens_are_never_taken_for_each_other():
    sessions = SessionTokens(SECRET)
    session_token, _ = sessions.issue("c_1")  # even a session token whose subject looks like a candidate id
    with pytest.raises(InvalidToken, match="not a candidate token"):
        sessions.candidates.verify(session_token)
    candidate_token, _ = sessions.candidates.issue("s_1")
    with pytest.raises(InvalidToken):
        sessions.verify(candidate_token, "s_1")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: CandidateTokens(SECRET, ttl_s=60).issue("c_1", now=1_000_000)[0], "expired"),
        (lambda: CandidateTokens("y" * 40).issue("c_1")[0], "badly signed"),
        (lambda: "not.a.token", "malformed"),
        (lambda: "", "missing"),
        (lambda: "ünicode", "malformed"),
    ],
)
def test_bad_candidate_tokens_are_refused_with_a_reason(make, message):
    with pytest.raises(InvalidToken, match=message):
        CandidateTokens(SECRET).verify(make())
