"""Blobs on Azure Blob Storage: one storage container per Blobs container, the content type kept on each blob."""

from __future__ import annotations

from azure.core.credentials_async import AsyncTokenCredential
from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import ContentSettings
from azure.storage.blob.aio import BlobServiceClient

from rehearse.adapters.azure.storage_account import connect


class AzureBlobs:
    def __init__(
        self,
        account_url: str | None = None,
        *,
        connection_string: str | None = None,
        credential: AsyncTokenCredential | None = None,
        create_containers: bool = False,
    ) -> None:
        """The connection string when given (Azurite), else the account URL with `credential` or DefaultAzureCredential.

        create_containers makes a missing container on first write (emulators; in Azure, Bicep makes them)."""
        self._service, self._owned_credential = connect(BlobServiceClient, "blob", account_url, connection_string, credential)
        self._create_containers = create_containers

    async def put(self, container: str, name: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        blob = self._service.get_blob_client(container, name)
        settings = ContentSettings(content_type=content_type)
        try:
            await blob.upload_blob(data, overwrite=True, content_settings=settings)
        except ResourceNotFoundError as exc:
            if not self._create_containers or exc.error_code != "ContainerNotFound":
                raise
            # created on demand rather than up front: Blobs callers name their containers freely
            try:
                await self._service.create_container(container)
            except ResourceExistsError:
                pass  # another writer created it first
            await blob.upload_blob(data, overwrite=True, content_settings=settings)

    async def get(self, container: str, name: str) -> bytes | None:
        try:
            download = await self._service.get_blob_client(container, name).download_blob()
            return await download.readall()
        except ResourceNotFoundError:  # the blob or its container
            return None

    async def delete(self, container: str, name: str) -> None:
        try:
            await self._service.get_blob_client(container, name).delete_blob(delete_snapshots="include")
        except ResourceNotFoundError:
            pass

    async def list(self, container: str, prefix: str = "") -> list[str]:
        try:
            pages = self._service.get_container_client(container).list_blobs(name_starts_with=prefix or None)
            return sorted([blob.name async for blob in pages])
        except ResourceNotFoundError:  # no such container: nothing in it
            return []

    async def close(self) -> None:
        await self._service.close()
        if self._owned_credential is not None:
            await self._owned_credential.close()
