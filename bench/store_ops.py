"""Store operations per phrase and per answer, counted at the Store port, on SQLite (embedded) and Cosmos DB
(cosmosdb-server, started here when node_modules has it).

    python -m bench.store_ops

The calls are the ones the relay makes (rehearse.app.sessions: a connection opens and takes the session's lease, its
finals are numbered on the lease and written, the answer closes) and the feedback handlers'
(rehearse.app.feedback_pipeline, deterministic evaluator, the real embedder):
store_ops_per_phrase    operations to persist one final (target <= 3: claim its seq on the lease, write it, check
                        that the session still exists)
store_ops_per_answer    operations to close one answer on the live path (target <= 8)
store_ops_per_connection, store_ops_feedback_per_answer   reported beside them."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from media_relay.ownership import Ownership
from rehearse.adapters.local.folder_blobs import FolderBlobs
from rehearse.adapters.local.sqlite_store import SqliteStore
from rehearse.app.feedback_pipeline import FeedbackPipeline
from rehearse.app.sessions import parse_create_request
from rehearse.config import BuiltWorld, build_scoring_models
from rehearse.domain.model import Segment, segment_id_for
from rehearse.domain.question_bank import default_bank
from rehearse.ports import Store
from rehearse.security.tokens import SessionTokens
from rehearse.settings import Settings
from tests.support.publisher import RecordingPublisher

PHRASES = 12


class CountingStore:
    """The Store port with every call counted by method."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.calls: Counter[str] = Counter()

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._store, name)
        if name == "close":
            return method

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return await method(*args, **kwargs)

        return counted


class _Queue:
    """The events the sessions send, kept for the feedback handlers to be called with, in order."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []

    async def send(self, queue: str, message: dict) -> None:
        self.sent.append((queue, message))


async def measure(store: Store, workdir: Path) -> dict[str, float]:
    counting = CountingStore(store)
    queue = _Queue()
    embedder, tone = build_scoring_models(Settings().embedder_dir, warn=lambda m: print(m, file=sys.stderr))
    world = BuiltWorld(settings=Settings(data_dir=workdir), store=counting, blobs=FolderBlobs(workdir / "blobs"),
                       publisher=RecordingPublisher(), queue=queue, tokens=SessionTokens("x" * 40, 3600), bank=default_bank())  # fmt: skip
    world.__dict__["embedder"], world.__dict__["tone"] = embedder, tone  # cached_property slots: the models built here
    sessions = world.sessions
    session = await sessions.create(parse_create_request({"role": "software_engineer", "question_count": 2}))
    sid, question = session.session_id, session.questions[0]

    before = counting.total
    await sessions.open_connection(sid)
    ownership = Ownership(counting, sid, "bench")
    await ownership.take()
    writer = await sessions.transcript_writer(sid, ownership.claim_seq, ownership.in_flight)
    per_connection = counting.total - before

    before = counting.total
    for phrase in range(1, PHRASES + 1):
        text = "I rewrote the query and the page loaded in six hundred milliseconds"
        await writer.record(Segment(session_id=sid, seq=0, segment_id=segment_id_for(sid, phrase), question_id=question.id, phrase_id=phrase,
                                    text=text, start=phrase * 4.0, end=phrase * 4.0 + 3.5, confidence=0.9))  # fmt: skip
    per_phrase = (counting.total - before) / PHRASES

    before = counting.total
    await sessions.close_answer(sid, 0, "next")
    per_answer = counting.total - before

    pipeline = FeedbackPipeline(world)
    handlers = pipeline.handlers()
    before = counting.total
    pending = [m for m in queue.sent if m[1]["type"] == "answer.completed"]
    while pending:  # the answer's whole chain: scored, evaluated, summarized
        name, message = pending.pop(0)
        count = len(queue.sent)
        await handlers[name](message)
        pending += [m for m in queue.sent[count:] if m[1]["type"] != "interview.ended"]
    feedback = counting.total - before
    await world.close()
    return {"per_connection": per_connection, "per_phrase": per_phrase, "per_answer": per_answer, "feedback": feedback}


def _cosmos(workdir: Path):
    """cosmosdb-server on a free port, as the adapter tests run it; None without node_modules."""
    from tests.adapters.azure import conftest as azure

    if not (azure.NODE_BIN / "cosmosdb-server").exists():
        return None
    return azure._run_cosmos(workdir)


def run() -> list[dict[str, Any]]:
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        figures = {"sqlite": asyncio.run(measure(SqliteStore(workdir / "ops.sqlite3"), workdir / "sqlite"))}
        server = _cosmos(workdir)
        if server is not None:
            from rehearse.adapters.azure.cosmos_store import CosmosStore

            with server as cosmos:
                store = CosmosStore(cosmos.endpoint, "bench", key=cosmos.key, create_if_missing=True, connection_verify=False)
                figures["cosmos"] = asyncio.run(measure(store, workdir / "cosmos"))
    for store_name, f in figures.items():
        lines += [
            {"metric": "store_ops_per_phrase", "value": round(f["per_phrase"], 2), "store": store_name, "target": 3},
            {"metric": "store_ops_per_answer", "value": f["per_answer"], "store": store_name, "target": 8, "path": "live: close the answer"},
            {"metric": "store_ops_per_connection", "value": f["per_connection"], "store": store_name},
            {"metric": "store_ops_feedback_per_answer", "value": f["feedback"], "store": store_name,
             "path": "score, evaluate (deterministic), summarize"},
        ]  # fmt: skip
    return lines


if __name__ == "__main__":
    for line in run():
        print(json.dumps(line))
