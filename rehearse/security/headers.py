"""The security headers of every HTTP reply, in one place: the page's Content-Security-Policy and what the API sends.

The edges apply them: `rehearse/adapters/aiohttp_edge.py` (the embedded server and the relay) and
`functions/api_blueprint.py` (the Function App). A host that serves web/ on its own (Static Web Apps, a storage
website) should send `page_headers(...)` with the page; docs/deploy.md says where the page may be hosted."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

NOSNIFF = "X-Content-Type-Options"

# Only the page's own origin may use the microphone; nothing may use the camera or the location.
PERMISSIONS_POLICY = "microphone=(self), camera=(), geolocation=()"

# Every reply: no MIME sniffing, and no Referer header (the report and recordings take ?token= URLs, which a Referer
# would hand to whatever the page links to).
EVERY_REPLY: dict[str, str] = {NOSNIFF: "nosniff", "Referrer-Policy": "no-referrer", "Permissions-Policy": PERMISSIONS_POLICY}

# The API's and the relay's replies (JSON, audio, SDP): they carry transcripts, recordings and tokens, so no cache may
# keep them; and they are data, never a document to render, run or frame. A handler's own headers win (the printable
# report sends its own policy; a recording "private, no-store").
API_HEADERS: dict[str, str] = {
    **EVERY_REPLY,
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
}

_ORIGIN = re.compile(r"(https?|wss?)://[A-Za-z0-9.-]+(:\d{1,5})?|(https?|wss?)://\[[0-9A-Fa-f:.]+\](:\d{1,5})?")


def page_policy(connect_to: Iterable[str] = ()) -> str:
    """The page's Content-Security-Policy: its own scripts and styles only (none inline, no eval), no plugins, no
    framing, no <base>; fetches and WebSockets to its own origin and connect_to (the relay, the pub/sub service).
    media-src blob: is the microphone test's recording, played back from memory."""
    connect = " ".join(dict.fromkeys(["'self'", *connect_to]))
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self' blob:; "
        f"connect-src {connect}; form-action 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'none'"
    )


def page_headers(connect_to: Iterable[str] = ()) -> dict[str, str]:
    """What the page's own files are sent with (index.html and its scripts, styles and icon)."""
    return {**EVERY_REPLY, "Content-Security-Policy": page_policy(connect_to)}


def connect_sources(
    relay_url: str | None = None, pubsub_endpoint: str | None = None, pubsub_connection_string: str | None = None
) -> tuple[str, ...]:
    """The origins the page connects to besides its own: the relay's (its offers and health checks, where the relay
    runs apart from the page: REHEARSE_RELAY_PUBLIC_URL) and the pub/sub service's WebSocket (Azure Web PubSub: its
    endpoint, or the Endpoint= of its connection string). The embedded default serves all three from one origin."""
    sources = []
    if relay_url is not None:
        sources.append(_origin(relay_url))
    endpoint = pubsub_endpoint or _connection_string_endpoint(pubsub_connection_string)
    if endpoint is not None:
        sources.append(_origin(endpoint).replace("https://", "wss://", 1).replace("http://", "ws://", 1))
    return tuple(dict.fromkeys(sources))


def with_defaults(own: Mapping[str, str], defaults: Mapping[str, str]) -> dict[str, str]:
    """A reply's headers: its own, then each default it does not set itself (names compared case-insensitively);
    nosniff whatever the reply said."""
    merged = {name: value for name, value in own.items() if name.lower() != NOSNIFF.lower()}
    present = {name.lower() for name in merged}
    merged.update({name: value for name, value in defaults.items() if name.lower() not in present})
    merged[NOSNIFF] = "nosniff"
    return merged


def directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy as {directive: [sources]}, for checking one."""
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        if name:
            parsed[name.lower()] = values
    return parsed


def _origin(url: str) -> str:
    parts = urlsplit(url.strip())
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    if not parts.netloc or "@" in parts.netloc or not _ORIGIN.fullmatch(origin):
        raise ValueError(f"{url[:200]!r} is not an http(s) or ws(s) origin such as https://relay.example.com")
    return origin


def _connection_string_endpoint(connection_string: str | None) -> str | None:
    """Endpoint=...;AccessKey=...;Version=1.0[;Port=...]: only the endpoint (and its port) is read, never the key."""
    if not connection_string:
        return None
    fields = dict(part.split("=", 1) for part in connection_string.split(";") if "=" in part)
    fields = {name.strip().lower(): value.strip() for name, value in fields.items()}
    endpoint = fields.get("endpoint")
    if endpoint is None:
        return None
    port = fields.get("port")
    if port and not urlsplit(endpoint).port:
        endpoint = f"{endpoint.rstrip('/')}:{port}"
    return endpoint
