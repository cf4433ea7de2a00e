"""The Publisher port on Azure Web PubSub: events to a session's group, client URLs that may join only that group."""

from __future__ import annotations

import logging
import re
from typing import Any

from azure.core.credentials_async import AsyncTokenCredential
from azure.core.exceptions import AzureError, ClientAuthenticationError, HttpResponseError, ServiceResponseError
from azure.messaging.webpubsubservice.aio import WebPubSubServiceClient

from rehearse import tracing
from rehearse.domain.errors import RehearseError

log = logging.getLogger(__name__)

# Session ids are "s_" + hex; anything else in a group name or role is a bug upstream, not something to send to Azure.
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


class PublishFailed(RehearseError):
    """Web PubSub refused or could not be reached. Queue-triggered callers let it propagate so the message is retried."""

    code = "pubsub_unavailable"


def group_for(session_id: str) -> str:
    if not _SESSION_ID.match(session_id):
        raise ValueError(f"not a session id: {session_id!r}")
    return f"session.{session_id}"


def join_role_for(session_id: str) -> str:
    """The one role a session's client gets: join and leave exactly its own group (no send, no other group)."""
    return f"webpubsub.joinLeaveGroup.{group_for(session_id)}"


class WebPubSubPublisher:
    """Publisher on Azure Web PubSub through the async service SDK.

    Credentials: Entra ID (DefaultAzureCredential: the managed identity in Azure, which needs the 'Web PubSub Service
    Owner' role) unless a connection string with an access key is given, for emulators and key-based deployments."""

    def __init__(
        self,
        hub: str,
        *,
        endpoint: str | None = None,
        connection_string: str | None = None,
        credential: AsyncTokenCredential | None = None,
        token_minutes: int = 60,
        timeout_s: float = 10.0,
        **client_options: Any,
    ) -> None:
        """client_options go to the SDK's pipeline (e.g. retry_total, connection_verify)."""
        # Bounded waits: a hung service must fail the function invocation (and so retry it), not hold it for minutes.
        options: dict[str, Any] = {"connection_timeout": timeout_s, "read_timeout": timeout_s, **client_options}
        self._hub = hub
        self._token_minutes = token_minutes
        self._owned_credential: AsyncTokenCredential | None = None
        if connection_string:
            self._client = WebPubSubServiceClient.from_connection_string(connection_string, hub=hub, **options)
            self._auth = "access key"
        else:
            if not endpoint:
                raise ValueError("set webpubsub_endpoint (https://<name>.webpubsub.azure.com) or webpubsub_connection_string")
            if credential is None:
                from azure.identity.aio import DefaultAzureCredential  # only the Entra path pays for importing azure-identity

                credential = self._owned_credential = DefaultAzureCredential()
            self._client = WebPubSubServiceClient(endpoint=endpoint, hub=hub, credential=credential, **options)
            self._auth = "Entra ID"

    async def publish(self, session_id: str, event: dict[str, Any]) -> None:
        group = group_for(session_id)
        with tracing.span("pubsub.publish", session_id, kind="producer", event=event.get("type"), group=group):
            try:
                # a dict with application/json: the SDK serializes it once; a str would arrive as a JSON string literal
                await self._client.send_to_group(group, event, content_type="application/json")
            except AzureError as exc:
                raise self._failure(f"sending {event.get('type', 'an event')!r} to group {group!r}", exc) from exc

    async def client_access(self, session_id: str, base_url: str) -> dict[str, str]:
        """base_url is unused: browsers connect to the service's own endpoint, which the token's URL names."""
        group = group_for(session_id)
        try:
            token = await self._client.get_client_access_token(
                user_id=session_id, roles=[join_role_for(session_id)], minutes_to_expire=self._token_minutes
            )
        except AzureError as exc:
            raise self._failure(f"getting a client access token for group {group!r}", exc) from exc
        return {"url": token["url"], "group": group}

    async def close(self) -> None:
        await self._client.close()
        if self._owned_credential is not None:
            await self._owned_credential.close()

    async def __aenter__(self) -> WebPubSubPublisher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _failure(self, action: str, exc: AzureError) -> PublishFailed:
        status = exc.status_code if isinstance(exc, HttpResponseError) else None
        if status in (401, 403):
            hint = (
                f"the service refused the credential (HTTP {status}); check the AccessKey in webpubsub_connection_string"
                if self._auth == "access key"
                else f"the service refused the token (HTTP {status}); give the managed identity the 'Web PubSub Service Owner' role"
            )
        elif isinstance(exc, ClientAuthenticationError):
            hint = "no Entra ID token could be obtained (managed identity, AZURE_CLIENT_ID, or az login)"
        elif status is not None:
            hint = f"the service answered HTTP {status}"
        elif isinstance(exc, ServiceResponseError):
            hint = "the service did not answer in time or dropped the connection"
        else:
            hint = "the service could not be reached; check webpubsub_endpoint and the network"
        message = f"Web PubSub hub {self._hub!r} ({self._auth}): {action} failed: {hint} ({type(exc).__name__}: {exc.message})"
        log.error("%s", message)
        return PublishFailed(message)
