import base64
import hashlib
import hmac

import pytest

from rehearse.security.ice import ice_servers_for, turn_credentials

SECRET = "x" * 40


def test_credentials_are_the_turn_rest_scheme_coturn_checks():
    username, credential = turn_credentials(SECRET, "page-s_1", ttl_s=600, now=1_000_000)
    assert username == "1000600:page-s_1"
    expected = base64.b64encode(hmac.new(SECRET.encode(), username.encode(), hashlib.sha1).digest()).decode()
    assert credential == expected


def test_a_user_part_with_a_colon_is_refused():
    with pytest.raises(ValueError):
        turn_credentials(SECRET, "a:b", ttl_s=600)


def test_configured_servers_come_first_and_turn_gets_fresh_credentials():
    stun = {"urls": "stun:stun.example.com:3478"}
    servers = ice_servers_for("relay-s_1", [stun], ["turn:t.example.com:3478?transport=udp"], SECRET, 60, now=10)
    assert servers[0] == stun
    assert servers[1]["urls"] == ["turn:t.example.com:3478?transport=udp"]
    assert servers[1]["username"] == "70:relay-s_1"


def test_without_a_secret_or_urls_no_turn_entry_is_added():
    assert ice_servers_for("p", [], ["turn:t:3478"], None, 60) == []
    assert ice_servers_for("p", [], [], SECRET, 60) == []
