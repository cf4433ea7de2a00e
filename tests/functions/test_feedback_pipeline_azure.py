"""The same feedback handlers on the Azure world's adapters: Cosmos DB (cosmosdb-server) and Blob Storage (Azurite)."""

from __future__ import annotations

import uuid

import pytest
from azure.storage.blob.aio import BlobServiceClient

from rehearse.adapters.azure.cosmos_store import CosmosStore
from rehearse.adapters.local.in_process_queue import InProcessQueue
from rehearse.app.feedback_pipeline import REPORTS, SCORES, SUMMARIES, FeedbackPipeline
from rehearse.config import BuiltWorld, build_world
from rehearse.settings import Settings
from tests.adapters.azure.conftest import azurite, cosmos_server  # noqa: F401  (shared session fixtures)
from tests.functions.test_feedback_pipeline import STRONG, WEAK, run_interview
from tests.support.publisher import RecordingPublisher
from tests.support.server import EMBEDDER_DIR


@pytest.fixture
async def azure_world(azurite, cosmos_server, tmp_path):  # noqa: F811
    database = f"rehearse-{uuid.uuid4().hex[:10]}"
    provisioned = CosmosStore(cosmos_server.endpoint, database, key=cosmos_server.key, create_if_missing=True, connection_verify=False)
    await provisioned.list("sessions", "warm-up")  # creates the database and containers, as Bicep does in Azure
    await provisioned.close()
    async with BlobServiceClient.from_connection_string(azurite.connection_string) as service:
        try:
            await service.create_container(REPORTS)
        except Exception:  # created by an earlier test of this run
            pass
    settings = Settings(
        world="azure", cosmos_endpoint=cosmos_server.endpoint, cosmos_key=cosmos_server.key, cosmos_database=database,
        storage_connection_string=azurite.connection_string, token_secret="t" * 40, data_dir=tmp_path, embedder_model_dir=EMBEDDER_DIR,
    )
    queue = InProcessQueue(backoff_s=0.01)  # delivery as the Functions host would do it from Storage queues
    world = build_world(settings, RecordingPublisher(), queue)
    FeedbackPipeline(world).subscribe(queue)
    assert type(world.store) is CosmosStore and type(world.blobs).__name__ == "AzureBlobs"
    yield world
    await world.close()


async def test_an_interview_is_scored_summarized_and_reported_on_the_azure_adapters(azure_world):
    sid = await run_interview(azure_world, [STRONG, WEAK])
    assert len(await azure_world.store.list(SCORES, sid)) == 2
    assert len(await azure_world.store.list(SUMMARIES, sid)) == 2
    [report] = await azure_world.store.list(REPORTS, sid)
    assert report["session_id"] == sid and len(report["questions"]) == 2
    assert b'"overall"' in (await azure_world.blobs.get(REPORTS, f"{sid}/report.json") or b"")
    assert azure_world.queue.poisoned == {}


def test_the_azure_world_says_which_settings_are_missing():
    with pytest.raises(ValueError, match="REHEARSE_COSMOS_ENDPOINT"):
        build_world(Settings(world="azure"), RecordingPublisher())


def test_the_azure_world_speaks_and_listens_with_azure_speech(tmp_path):
    settings = Settings(world="azure", speech_region="westeurope", speech_key="k" * 32, data_dir=tmp_path)
    world = BuiltWorld(
        settings=settings, store=None, blobs=None, publisher=RecordingPublisher(), queue=None, tokens=None, bank=None
    )
    assert type(world.recognizer).__name__ == "AzureSpeechRecognizer"
    assert type(world.synthesizer).__name__ == "AzureSpeechSynthesizer"
