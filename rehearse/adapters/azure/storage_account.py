"""Connects a Storage service client the same way for blobs and queues: emulator connection string, or identity."""

from __future__ import annotations

from typing import Any, TypeVar

from azure.core.credentials_async import AsyncTokenCredential

Service = TypeVar("Service")


def connect(
    service_type: type[Service], kind: str, account_url: str | None, connection_string: str | None, credential: AsyncTokenCredential | None
) -> tuple[Service, AsyncTokenCredential | None]:
    """The service client, and the credential it owns (to close) when it had to create DefaultAzureCredential."""
    if connection_string:
        return service_type.from_connection_string(connection_string), None  # type: ignore[attr-defined]
    if not account_url:
        raise ValueError(f"{service_type.__name__} needs the {kind} endpoint (https://<account>.{kind}.core.windows.net) or a connection string")
    owned: Any = None
    if credential is None:
        from azure.identity.aio import DefaultAzureCredential

        credential = owned = DefaultAzureCredential()
    return service_type(account_url, credential=credential), owned  # type: ignore[call-arg]
