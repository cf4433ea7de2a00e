"""StorageQueue against Azurite: events travel as base64 JSON, which the Functions queue trigger decodes by default."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from azure.storage.queue import BinaryBase64DecodePolicy
from azure.storage.queue.aio import QueueServiceClient

from rehearse.adapters.azure.storage_queue import StorageQueue
from rehearse.domain.events import QUEUE_FOR, QUEUES, AnswerCompleted, parse_event, poison_queue
from tests.adapters.azure.conftest import Azurite

EVENT = AnswerCompleted(session_id="s_1", question_id="q1", segment_ids=["s_1.1", "s_1.2"], reason="silence — long pause")


@pytest.fixture
async def queue(azurite: Azurite) -> AsyncIterator[StorageQueue]:
    opened = StorageQueue(connection_string=azurite.connection_string)
    await opened.create_queues()
    yield opened
    await opened.close()


@pytest.fixture
async def service(azurite: Azurite, queue: StorageQueue) -> AsyncIterator[QueueServiceClient]:
    async with QueueServiceClient.from_connection_string(azurite.connection_string) as client:
        for name in QUEUES:  # Azurite lives for the whole run: every test starts with empty queues
            await client.get_queue_client(name).clear_messages()
        yield client


async def _received_texts(service: QueueServiceClient, name: str, **policy: Any) -> list[Any]:
    client = service.get_queue_client(name, **policy)
    return [m.content async for m in client.receive_messages(messages_per_page=32, visibility_timeout=1)]


async def test_every_queue_and_its_poison_queue_is_created(queue: StorageQueue, service: QueueServiceClient) -> None:
    await queue.create_queues()  # idempotent
    names = {q.name async for q in service.list_queues()}
    assert names >= {*QUEUES, *(poison_queue(q) for q in QUEUES)}


async def test_messages_are_base64_json_as_the_functions_host_reads_them(
    queue: StorageQueue, service: QueueServiceClient
) -> None:
    message = EVENT.model_dump(mode="json")
    await queue.send(QUEUE_FOR[EVENT.type], message)
    # The host takes the message text, base64-decodes it and hands the bytes to the function (QueueMessage.get_json).
    [text] = await _received_texts(service, QUEUE_FOR[EVENT.type])
    body = base64.b64decode(text, validate=True)
    assert json.loads(body) == message
    assert parse_event(body) == EVENT


async def test_messages_decode_with_the_sdks_base64_policy(queue: StorageQueue, service: QueueServiceClient) -> None:
    message = EVENT.model_dump(mode="json")
    await queue.send(QUEUE_FOR[EVENT.type], message)
    [body] = await _received_texts(service, QUEUE_FOR[EVENT.type], message_decode_policy=BinaryBase64DecodePolicy())
    assert json.loads(body) == message


async def test_messages_arrive_in_their_own_queue_in_order(queue: StorageQueue, service: QueueServiceClient) -> None:
    for n in range(3):
        await queue.send("answer-scored", {"session_id": "s_1", "n": n})
    await queue.send("interview-ended", {"session_id": "s_1"})
    texts = await _received_texts(service, "answer-scored")
    assert [json.loads(base64.b64decode(t))["n"] for t in texts] == [0, 1, 2]
    assert len(await _received_texts(service, "interview-ended")) == 1


async def test_sending_to_a_missing_queue_says_how_to_create_it(queue: StorageQueue) -> None:
    with pytest.raises(LookupError, match="create_queues"):
        await queue.send("no-such-queue", {"session_id": "s_1"})


async def test_an_event_too_big_for_a_storage_queue_is_refused(queue: StorageQueue) -> None:
    with pytest.raises(ValueError, match="over the Storage Queue limit"):
        await queue.send("answer-completed", {"session_id": "s_1", "padding": "x" * 50_000})


def test_an_endpoint_or_a_connection_string_is_required() -> None:
    with pytest.raises(ValueError, match="queue endpoint"):
        StorageQueue()
