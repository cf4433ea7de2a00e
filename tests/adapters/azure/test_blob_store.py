"""AzureBlobs against Azurite: bytes and content types round-trip, missing blobs and containers are not errors."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob.aio import BlobServiceClient

from rehearse.adapters.azure.blob_store import AzureBlobs
from tests.adapters.azure.conftest import Azurite


@pytest.fixture
def container() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def blobs(azurite: Azurite) -> AsyncIterator[AzureBlobs]:
    opened = AzureBlobs(connection_string=azurite.connection_string, create_containers=True)
    yield opened
    await opened.close()


@pytest.fixture
async def service(azurite: Azurite) -> AsyncIterator[BlobServiceClient]:
    async with BlobServiceClient.from_connection_string(azurite.connection_string) as client:
        yield client


async def test_blobs_round_trip_bytes_and_content_type(blobs: AzureBlobs, service: BlobServiceClient, container: str) -> None:
    data = bytes(range(256)) + os.urandom(512 * 1024)
    await blobs.put(container, "s1/answer-1.webm", data, content_type="audio/webm")
    assert await blobs.get(container, "s1/answer-1.webm") == data
    properties = await service.get_blob_client(container, "s1/answer-1.webm").get_blob_properties()
    assert properties.content_settings.content_type == "audio/webm"


async def test_content_type_defaults_to_octet_stream(blobs: AzureBlobs, service: BlobServiceClient, container: str) -> None:
    await blobs.put(container, "raw", b"\x00\x01")
    properties = await service.get_blob_client(container, "raw").get_blob_properties()
    assert properties.content_settings.content_type == "application/octet-stream"


async def test_writing_again_replaces_the_blob(blobs: AzureBlobs, container: str) -> None:
    await blobs.put(container, "report.json", b'{"v": 1}', content_type="application/json")
    await blobs.put(container, "report.json", b"{}", content_type="application/json")
    assert await blobs.get(container, "report.json") == b"{}"


async def test_empty_blobs_are_blobs(blobs: AzureBlobs, container: str) -> None:
    await blobs.put(container, "empty", b"")
    assert await blobs.get(container, "empty") == b""


async def test_missing_blob_or_container_reads_as_none(blobs: AzureBlobs, container: str) -> None:
    assert await blobs.get(container, "never-written") is None
    await blobs.put(container, "other", b"x")
    assert await blobs.get(container, "never-written") is None


async def test_delete_removes_the_blob_and_ignores_missing_ones(blobs: AzureBlobs, container: str) -> None:
    await blobs.put(container, "a", b"x")
    await blobs.delete(container, "a")
    await blobs.delete(container, "a")
    await blobs.delete(f"{container}-none", "a")
    assert await blobs.get(container, "a") is None


async def test_without_create_containers_a_missing_container_is_an_error(azurite: Azurite, container: str) -> None:
    blobs = AzureBlobs(connection_string=azurite.connection_string)
    try:
        with pytest.raises(ResourceNotFoundError):
            await blobs.put(container, "a", b"x")
    finally:
        await blobs.close()


def test_an_endpoint_or_a_connection_string_is_required() -> None:
    with pytest.raises(ValueError, match="blob endpoint"):
        AzureBlobs()


async def test_blobs_are_listed_by_prefix_sorted(blobs: AzureBlobs, container: str) -> None:
    assert await blobs.list(container, "s_1/") == []  # no container yet
    for name in ("s_1/q1-1.wav", "s_1/deep/q2-1.wav", "s_10/q1-1.wav", "s_2/q1-1.wav"):
        await blobs.put(container, name, b"RIFF")
    assert await blobs.list(container, "s_1/") == ["s_1/deep/q2-1.wav", "s_1/q1-1.wav"]
    assert await blobs.list(container) == ["s_1/deep/q2-1.wav", "s_1/q1-1.wav", "s_10/q1-1.wav", "s_2/q1-1.wav"]
    for name in await blobs.list(container, "s_1/"):
        await blobs.delete(container, name)
    assert await blobs.list(container, "s_1/") == [] and len(await blobs.list(container)) == 2
