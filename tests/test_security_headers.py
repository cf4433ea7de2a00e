"""The security headers' values (rehearse/security/headers.py): the page's Content-Security-Policy, where the page may
connect, and how a reply's own headers combine with the defaults."""

import pytest

from rehearse.security.headers import API_HEADERS, connect_sources, directives, page_headers, page_policy, with_defaults


def test_the_page_runs_only_its_own_scripts_and_styles():
    policy = directives(page_policy())
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert not [v for values in policy.values() for v in values if v in ("'unsafe-inline'", "'unsafe-eval'", "data:", "*")]


def test_the_page_cannot_be_framed_or_rebased_and_loads_no_plugins():
    policy = directives(page_policy())
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]


def test_the_page_connects_to_itself_alone_by_default():
    assert directives(page_policy())["connect-src"] == ["'self'"]


def test_the_microphone_test_recording_may_play_from_a_blob():
    assert directives(page_policy())["media-src"] == ["'self'", "blob:"]


def test_the_relay_and_the_pubsub_service_are_the_only_other_places_the_page_connects_to():
    sources = connect_sources(
        relay_url="https://relay.example.azurecontainerapps.io/",
        pubsub_endpoint="https://rehearse-ps.webpubsub.azure.com",
    )
    assert sources == ("https://relay.example.azurecontainerapps.io", "wss://rehearse-ps.webpubsub.azure.com")
    assert directives(page_policy(sources))["connect-src"] == ["'self'", *sources]


def test_the_pubsub_endpoint_may_come_from_a_connection_string_with_its_port():
    sources = connect_sources(pubsub_connection_string="Endpoint=http://localhost:8080;AccessKey=c2VjcmV0;Version=1.0;")
    assert sources == ("ws://localhost:8080",)


def test_a_connection_strings_key_never_reaches_the_policy():
    policy = page_policy(connect_sources(pubsub_connection_string="Endpoint=https://x.webpubsub.azure.com;AccessKey=s3cr3t;Version=1.0;"))
    assert "s3cr3t" not in policy and "wss://x.webpubsub.azure.com" in policy


@pytest.mark.parametrize("url", ["", "relay.example.com", "javascript:alert(1)", "https://a b.example.com", "https://x.example.com;script-src *"])
def test_a_url_that_is_no_http_origin_is_refused(url):
    with pytest.raises(ValueError, match="origin"):
        connect_sources(relay_url=url)


def test_the_page_gets_the_microphone_for_itself_and_no_camera_or_location():
    permissions = page_headers()["Permissions-Policy"]
    assert "microphone=(self)" in permissions and "camera=()" in permissions and "geolocation=()" in permissions


def test_every_reply_is_nosniff_and_sends_no_referrer():
    for headers in (page_headers(), API_HEADERS):
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "no-referrer"


def test_api_replies_are_never_cached_rendered_or_framed():
    assert API_HEADERS["Cache-Control"] == "no-store"
    api_policy = directives(API_HEADERS["Content-Security-Policy"])
    assert api_policy["default-src"] == ["'none'"] and api_policy["frame-ancestors"] == ["'none'"]


def test_a_replys_own_headers_win_over_the_defaults_but_nosniff_is_always_on():
    own = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'", "Cache-Control": "private, no-store",
           "x-content-type-options": "sniff-away"}
    merged = with_defaults(own, API_HEADERS)
    assert merged["Content-Security-Policy"] == own["Content-Security-Policy"] and merged["Cache-Control"] == "private, no-store"
    assert merged["Referrer-Policy"] == "no-referrer"
    assert [v for k, v in merged.items() if k.lower() == "x-content-type-options"] == ["nosniff"]
