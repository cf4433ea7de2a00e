"""The page (web/) as an Azure Functions v2 blueprint, on the API's own origin: the embedded server's files, headers
and caching, so Easy Auth on that origin signs the candidate in before POST /api/sessions."""

from __future__ import annotations

import json
import mimetypes
from functools import cache
from pathlib import Path

import azure.functions as func

from rehearse.adapters.aiohttp_edge import page_headers_for
from rehearse.security.headers import API_HEADERS
from rehearse.settings import Settings

WEB_DIR = Path(__file__).resolve().parent.parent / "web"

bp = func.Blueprint()

# The types the page's files need, charset included for text (mimetypes differs between hosts on .js and .svg).
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}


@cache
def _page_headers() -> dict[str, str]:
    # The embedded server's page headers for these settings: connect-src for the relay and Web PubSub origins.
    return page_headers_for(Settings())


def page_file(name: str) -> Path | None:
    """The file of web/ a request names ("" is index.html), or None: only a plain file name directly in web/, so no
    path (encoded or not) leads out of it."""
    name = name or "index.html"
    if any(c in name for c in "/\\%\0") or name.startswith("."):
        return None
    path = (WEB_DIR / name).resolve()
    return path if path.parent == WEB_DIR and path.is_file() else None


def _not_found(path: str) -> func.HttpResponse:
    if path.startswith("api/"):  # an API path no function takes: the API's JSON error, as the embedded server answers
        body = {"v": 1, "error": {"code": "not_found", "message": f"/{path[:200]} is not an operation of this API"}}
        return func.HttpResponse(json.dumps(body), status_code=404, mimetype="application/json", headers=dict(API_HEADERS))
    headers = {**_page_headers(), "Cache-Control": "no-cache"}
    return func.HttpResponse("Not found", status_code=404, mimetype="text/plain", headers=headers)


def serve_page(method: str, path: str, if_none_match: str | None = None) -> func.HttpResponse:
    """One of the page's files: no-cache with an ETag (the browser revalidates every load and gets 304 while the
    deployment has not changed it), as aiohttp's FileResponse does for the embedded server."""
    file = page_file(path)
    if file is None:
        return _not_found(path)
    stat = file.stat()
    etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
    headers = {**_page_headers(), "Cache-Control": "no-cache", "ETag": etag}
    if if_none_match is not None and etag in {tag.strip() for tag in if_none_match.split(",")}:
        return func.HttpResponse(status_code=304, headers=headers)
    content_type = _TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    body = b"" if method == "HEAD" else file.read_bytes()
    return func.HttpResponse(body, status_code=200, headers={**headers, "Content-Type": content_type})


# Every GET outside the API's own routes (host.json's routePrefix is "", the API's routes start with api/; literal
# routes win over this catch-all). Easy Auth answers /.auth/* before the Functions host sees it.
@bp.function_name("web_page")
@bp.route(route="{*path}", methods=["GET", "HEAD"], auth_level=func.AuthLevel.ANONYMOUS)
def web_page(req: func.HttpRequest) -> func.HttpResponse:
    return serve_page(req.method, req.route_params.get("path") or "", req.headers.get("if-none-match"))
