"""A local server speaking the Azure Web PubSub REST data-plane protocol (send to group, generate client token).

It authenticates like the service: an access-key client signs an HS256 JWT per request whose audience is the request
URL; an Entra ID client sends a bearer token, which here must be one of the tokens the test says Entra issued."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import ssl
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DEFAULT_KEY = "ZmFrZS13ZWJwdWJzdWItYWNjZXNzLWtleS1mb3ItdGVzdHMtb25seQ=="
_AUTH = web.RequestKey("auth", tuple)  # how the request authenticated: (kind, verified claims)


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str  # as sent, still percent-encoded, without the query
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    status: int  # what the fake answered
    auth: str | None  # "access key", "entra" or None when rejected
    claims: dict[str, Any] = field(default_factory=dict)  # the verified access-key JWT's claims
    reason: str = ""  # why it was rejected


@dataclass(frozen=True)
class GroupMessage:
    hub: str
    group: str
    content_type: str
    data: Any  # parsed JSON for application/json, else the raw bytes


class FakeWebPubSub:
    def __init__(self, access_key: str = DEFAULT_KEY, *, tls: bool = False, entra_tokens: tuple[str, ...] = ()) -> None:
        self.access_key = access_key
        self.entra_tokens = set(entra_tokens)
        self.received: list[ReceivedRequest] = []
        self.messages: list[GroupMessage] = []
        self._tls = tls
        self._failures: deque[int | None] = deque()  # None: hang until the server stops
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._certs: tempfile.TemporaryDirectory[str] | None = None
        self.ca_file: str | None = None  # with tls: the CA to trust (the SDK's connection_verify)

    @property
    def endpoint(self) -> str:
        return f"{'https' if self._tls else 'http'}://127.0.0.1:{self._port}"

    def connection_string(self, access_key: str | None = None) -> str:
        return f"Endpoint={self.endpoint};AccessKey={access_key or self.access_key};Version=1.0;"

    def fail_next(self, status: int, times: int = 1) -> None:
        """The next requests get this status (before authentication, like a gateway in front of the service)."""
        self._failures.extend([status] * times)

    def hang_next(self, times: int = 1) -> None:
        """The next requests are accepted and never answered, like a service that stopped responding."""
        self._failures.extend([None] * times)

    # -- lifecycle --------------------------------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/hubs/{hub}/groups/{group}/:send", self._send_to_group)
        app.router.add_post("/api/hubs/{hub}/:generateToken", self._generate_token)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self._server_tls() if self._tls else None)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._stopping.set()  # hung handlers return, so cleanup does not wait out aiohttp's shutdown timeout
        if self._runner is not None:
            await self._runner.cleanup()
        if self._certs is not None:
            self._certs.cleanup()

    async def __aenter__(self) -> FakeWebPubSub:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    # -- handlers ---------------------------------------------------------------------------------------------------
    async def _send_to_group(self, request: web.Request) -> web.Response:
        denied = await self._admit(request)
        if denied is not None:
            return denied
        body = await request.read()
        content_type = request.headers.get("Content-Type", "").split(";")[0].strip()
        if content_type == "application/json":
            try:
                data: Any = json.loads(body)
            except ValueError:
                return await self._answer(request, 400, "the body is not JSON", body=body)
        elif content_type in ("text/plain", "application/octet-stream"):
            data = body
        else:
            return await self._answer(request, 415, f"unsupported Content-Type {content_type!r}", body=body)
        self.messages.append(GroupMessage(request.match_info["hub"], request.match_info["group"], content_type, data))
        return await self._answer(request, 202, body=body)

    async def _generate_token(self, request: web.Request) -> web.Response:
        denied = await self._admit(request)
        if denied is not None:
            return denied
        now = int(time.time())
        minutes = int(request.query.get("minutesToExpire", "60"))
        claims: dict[str, Any] = {"aud": f"{self.endpoint}/client/hubs/{request.match_info['hub']}", "iat": now, "exp": now + 60 * minutes}
        if "userId" in request.query:
            claims["sub"] = request.query["userId"]
        if roles := request.query.getall("role", []):
            claims["role"] = roles
        if groups := request.query.getall("group", []):
            claims["webpubsub.group"] = groups
        token = jwt.encode(claims, self.access_key, algorithm="HS256")
        return await self._answer(request, 200, payload={"token": token})

    # -- authentication, like the service ---------------------------------------------------------------------------
    async def _admit(self, request: web.Request) -> web.Response | None:
        """None when the request may proceed; otherwise the (recorded) error response."""
        if self._failures:
            status = self._failures.popleft()
            if status is None:
                await self._stopping.wait()
                status = 503
            return await self._answer(request, status, "scripted failure")
        if "api-version" not in request.query:
            return await self._answer(request, 400, "missing api-version")
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return await self._answer(request, 401, "missing bearer token")
        if token in self.entra_tokens:
            request[_AUTH] = ("entra", {})
            return None
        # the SDK signs the full URL it sends, query string included, so compare against the raw, undecoded target
        audience = f"{request.scheme}://{request.host}{request.raw_path}"
        try:
            claims = jwt.decode(token, self.access_key, algorithms=["HS256"], audience=audience, options={"require": ["aud", "exp"]})
        except jwt.PyJWTError as exc:
            return await self._answer(request, 401, f"invalid access token: {exc}")
        request[_AUTH] = ("access key", claims)
        return None

    async def _answer(
        self, request: web.Request, status: int, reason: str = "", *, payload: dict[str, Any] | None = None, body: bytes | None = None
    ) -> web.Response:
        auth, claims = request.get(_AUTH, (None, {}))
        self.received.append(
            ReceivedRequest(
                method=request.method,
                path=request.raw_path.split("?")[0],
                query={key: request.query.getall(key) for key in request.query.keys()},
                headers={k.lower(): v for k, v in request.headers.items()},
                body=body if body is not None else await request.read(),
                status=status,
                auth=auth if status < 400 else None,
                claims=claims,
                reason=reason,
            )
        )
        if payload is not None:
            return web.json_response(payload, status=status)
        if status >= 400:
            return web.json_response({"code": "Error", "message": reason}, status=status)
        return web.Response(status=status)

    # -- TLS: Bearer tokens from a TokenCredential are only sent over https -----------------------------------------
    def _server_tls(self) -> ssl.SSLContext:
        self._certs = tempfile.TemporaryDirectory(prefix="fake-webpubsub-")
        folder = Path(self._certs.name)
        ca_key, ca_cert = _certificate("fake-webpubsub CA", is_ca=True)
        leaf_key, leaf_cert = _certificate("127.0.0.1", issuer=(ca_key, ca_cert))
        (folder / "ca.pem").write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        (folder / "leaf.pem").write_bytes(leaf_cert.public_bytes(serialization.Encoding.PEM))
        (folder / "leaf.key").write_bytes(
            leaf_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )
        self.ca_file = str(folder / "ca.pem")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(folder / "leaf.pem", folder / "leaf.key")
        return context


def _certificate(
    common_name: str, *, is_ca: bool = False, issuer: tuple[ec.EllipticCurvePrivateKey, x509.Certificate] | None = None
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    signing_key, issuer_name = (issuer[0], issuer[1].subject) if issuer else (key, subject)
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
    )
    if is_ca:
        builder = builder.add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True  # digitalSignature, keyCertSign, cRLSign
        )
    else:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        builder = builder.add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    return key, builder.sign(signing_key, hashes.SHA256())
