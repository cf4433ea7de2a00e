"""Queue on Azure Storage Queues: events as base64-encoded JSON, the encoding the Functions queue trigger reads by default."""

from __future__ import annotations

import json
from typing import Any

from azure.core.credentials_async import AsyncTokenCredential
from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.storage.queue import BinaryBase64EncodePolicy
from azure.storage.queue.aio import QueueClient, QueueServiceClient

from rehearse.adapters.azure.storage_account import connect
from rehearse.domain.events import QUEUES, poison_queue

# Storage Queues refuse bigger messages; counted after base64, as the service counts.
MAX_MESSAGE_BYTES = 64 * 1024


class StorageQueue:
    def __init__(
        self,
        account_url: str | None = None,
        *,
        connection_string: str | None = None,
        credential: AsyncTokenCredential | None = None,
    ) -> None:
        """The connection string when given (Azurite), else the account URL with `credential` or DefaultAzureCredential."""
        self._service, self._owned_credential = connect(QueueServiceClient, "queue", account_url, connection_string, credential)
        self._queues: dict[str, QueueClient] = {}

    async def send(self, queue: str, message: dict[str, Any]) -> None:
        body = json.dumps(message, separators=(",", ":")).encode()
        if (len(body) + 2) // 3 * 4 > MAX_MESSAGE_BYTES:
            raise ValueError(f"{queue}: a {len(body)}-byte event is over the Storage Queue limit once base64-encoded")
        try:
            await self._queue(queue).send_message(body)
        except ResourceNotFoundError as exc:
            raise LookupError(
                f"queue {queue!r} does not exist: deploy it with Bicep, or call create_queues() on an emulator"
            ) from exc

    async def create_queues(self) -> None:
        """Every event queue and its poison queue (emulators; in Azure, Bicep makes them)."""
        for name in (*QUEUES, *map(poison_queue, QUEUES)):
            try:
                await self._service.create_queue(name)
            except ResourceExistsError:
                pass

    async def close(self) -> None:
        await self._service.close()
        if self._owned_credential is not None:
            await self._owned_credential.close()

    def _queue(self, name: str) -> QueueClient:
        if name not in self._queues:
            # The Functions host decodes base64 by default (host.json queues.messageEncoding); plain text would be poisoned.
            self._queues[name] = self._service.get_queue_client(name, message_encode_policy=BinaryBase64EncodePolicy())
        return self._queues[name]
