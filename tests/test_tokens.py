import pytest

from rehearse.errors import InvalidToken
from rehearse.tokens import SessionTokens, bearer_token

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
