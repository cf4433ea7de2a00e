"""The Function App serves the page (web/) at its root with the embedded server's headers, and nothing outside web/."""

import json

import azure.functions as func
import pytest

from functions import web_blueprint
from rehearse.adapters.aiohttp_edge import page_headers_for
from rehearse.security.headers import directives
from rehearse.settings import Settings
from tests.functions.test_api_blueprint import functions_by_name  # the app as the host indexed it, once

_INDEXED = functions_by_name()


@pytest.fixture(autouse=True)
def azure_settings(monkeypatch):
    monkeypatch.setenv("REHEARSE_WORLD", "azure")
    monkeypatch.setenv("REHEARSE_RELAY_PUBLIC_URL", "https://relay.example.azurecontainerapps.io")
    monkeypatch.setenv("REHEARSE_WEBPUBSUB_ENDPOINT", "https://rehearse-pubsub.webpubsub.azure.com")
    web_blueprint._page_headers.cache_clear()
    yield
    web_blueprint._page_headers.cache_clear()


def get(path, headers=None, method="GET"):
    """A request as the host hands it over: the catch-all's path parameter, URL-decoded or not."""
    page = _INDEXED["web_page"].get_user_function()
    request = func.HttpRequest(
        method, f"https://app.azurewebsites.net/{path}", headers=headers or {}, body=b"", route_params={"path": path}
    )
    return page(request)


def test_the_page_is_a_catch_all_get_at_the_root_beside_the_api():
    trigger = _INDEXED["web_page"].get_trigger()
    assert trigger.route == "{*path}"
    assert {m.value if hasattr(m, "value") else m for m in trigger.methods} == {"GET", "HEAD"}
    assert all(
        f.get_trigger().route.startswith("api/")
        for name, f in _INDEXED.items()
        if f.get_trigger().type == "httpTrigger" and name != "web_page"
    )


def test_the_root_is_index_html_with_the_page_headers_of_the_embedded_server():
    response = get("")
    assert response.status_code == 200
    assert response.get_body() == (web_blueprint.WEB_DIR / "index.html").read_bytes()
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-cache"
    expected = page_headers_for(Settings())
    for name, value in expected.items():
        assert response.headers[name] == value, name
    connect = directives(response.headers["Content-Security-Policy"])["connect-src"]
    assert connect == ["'self'", "https://relay.example.azurecontainerapps.io", "wss://rehearse-pubsub.webpubsub.azure.com"]


def test_a_script_is_served_as_javascript_with_the_page_headers():
    response = get("app.js")
    assert response.status_code == 200
    assert response.get_body() == (web_blueprint.WEB_DIR / "app.js").read_bytes()
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert get("style.css").headers["Content-Type"] == "text/css; charset=utf-8"
    assert get("favicon.svg").headers["Content-Type"] == "image/svg+xml"


def test_an_unchanged_file_is_revalidated_with_its_etag():
    etag = get("app.js").headers["ETag"]
    again = get("app.js", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_body() == b""
    assert get("app.js", headers={"If-None-Match": '"other"'}).status_code == 200


def test_head_sends_the_headers_without_the_body():
    response = get("index.html", method="HEAD")
    assert response.status_code == 200 and response.get_body() == b""
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize(
    "path",
    [
        "../function_app.py",
        "..%2ffunction_app.py",
        "..%2Ffunction_app.py",
        "%2e%2e/function_app.py",
        "%2e%2e%2ffunction_app.py",
        "..\\function_app.py",
        "..%5cfunction_app.py",
        "/etc/passwd",
        "web/../../host.json",
        "../web/index.html",
        ".",
        "..",
        ".gitignore",
        "index.html%00.js",
    ],
)
def test_no_path_leads_out_of_web(path):
    response = get(path)
    assert response.status_code == 404
    assert b"azure.functions" not in response.get_body() and b"routePrefix" not in response.get_body()


def test_an_unknown_file_is_404_with_the_page_headers():
    response = get("nothing-here.js")
    assert response.status_code == 404
    assert response.headers["Content-Security-Policy"] == page_headers_for(Settings())["Content-Security-Policy"]


def test_an_unknown_api_path_is_the_apis_json_404():
    response = get("api/nothing")
    assert response.status_code == 404
    assert json.loads(response.get_body())["error"]["code"] == "not_found"
    assert response.headers["Cache-Control"] == "no-store"
