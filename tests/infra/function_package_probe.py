"""Runs inside an unpacked Function App package, on a virtualenv holding only the package's requirements.txt.

tests/infra/test_function_package.py copies this file out of the repository and runs it with the package folder as
its working directory and its only PYTHONPATH entry, and the settings the Function App gets from Bicep. It indexes
function_app, builds the Azure world (clients only: nothing is reached over the network) and sends one closed answer
through the score_answer function itself, on the embedded store and queue. It prints one JSON line: what it found.
"""

from __future__ import annotations

import asyncio
import functools
import json
import sys
import time
from pathlib import Path

# An answer to the bank's first software-engineer question (swe-01, "tell me about yourself") that makes its points.
ANSWER = (
    "Right now I'm a backend engineer on the payments team at a retail company, where I own the services that handle "
    "refunds and payouts for about two million customers. One project I'm proud of was rewriting our checkout pricing "
    "service, which cut page load time from four seconds to one second and grew conversion by twelve percent. Day to "
    "day I work mostly in Python and Go, with Postgres and Kafka, all running on Kubernetes. What draws me to this "
    "company is that your product handles payments at huge scale, and reliable systems like that are the work I love."
)


@functools.cache
def _functions() -> dict:
    """The app's functions by name, as the host indexes them (once: azure.functions refuses a second listing)."""
    import function_app

    return {f.get_function_name(): f.get_user_function() for f in function_app.app.get_functions()}


async def _azure_world_builds() -> list[str]:
    """Every adapter the Function App builds in Azure, constructed from the package's requirements."""
    import azure.monitor.opentelemetry  # noqa: F401  REHEARSE_TRACES=azure
    import opentelemetry.exporter.otlp.proto.http.trace_exporter  # noqa: F401  REHEARSE_TRACES=otlp

    from rehearse.config import build_world_from_settings
    from rehearse.settings import Settings

    settings = Settings(
        world="azure",
        token_secret="x" * 48,
        cosmos_endpoint="https://probe.documents.azure.com:443/",
        blob_endpoint="https://probe.blob.core.windows.net",
        queue_endpoint="https://probe.queue.core.windows.net",
        webpubsub_endpoint="https://probe.webpubsub.azure.com",
        evaluator="openai",
        azure_openai_endpoint="https://probe.openai.azure.com",
        azure_openai_deployment="probe",
    )
    world = build_world_from_settings(settings)
    built = [
        type(a).__name__
        for a in (world.store, world.blobs, world.queue, world.publisher, world.evaluator, world.follow_up_advisor)
    ]
    await world.close()
    return built


async def _score_one_answer() -> dict:
    """A one-question interview on the embedded store, its answer scored by the score_answer function."""
    import azure.functions as func

    from functions.host_world import host_world
    from rehearse.app.feedback_pipeline import SCORES
    from rehearse.app.sessions import parse_create_request
    from rehearse.domain.documents import answer_id, score_id
    from rehearse.domain.events import AnswerCompleted
    from rehearse.domain.model import Segment, Word, segment_id_for

    world = host_world()
    session = await world.sessions.create(parse_create_request({"role": "software_engineer", "question_count": 1}))
    sid, question = session.session_id, session.questions[0]
    await world.sessions.open_connection(sid)
    writer = await world.sessions.transcript_writer(sid)
    words = [Word(w=w, start=round(i * 0.43, 2), end=round(i * 0.43 + 0.34, 2), conf=0.9) for i, w in enumerate(ANSWER.split())]
    await writer.record(
        Segment(session_id=sid, seq=0, segment_id=segment_id_for(sid, 1), question_id=question.id, phrase_id=1, text=ANSWER,
                start=words[0].start, end=words[-1].end, confidence=0.9, words=words)
    )  # fmt: skip
    await world.sessions.close_answer(sid, 0, "silence")

    score_answer = _functions()["score_answer"]
    event = AnswerCompleted(session_id=sid, question_id=question.id, answer_id=answer_id(sid, question.id))
    await score_answer(func.QueueMessage(body=json.dumps(event.model_dump(mode="json")).encode()))
    found = await world.store.get(SCORES, sid, score_id(sid, question.id))
    await world.close()
    return {
        "key_points_asked": len(question.key_points),
        "embedder_dir": str(world.settings.embedder_dir),
        "score": found[0] if found else None,
    }


def _loaded_from_outside(package: Path) -> list[str]:
    """Modules of the project (or anything else) loaded from somewhere other than the package or the virtualenv."""
    allowed = (str(package), sys.prefix, sys.base_prefix)
    return sorted(
        f"{name}: {module.__file__}"
        for name, module in list(sys.modules.items())
        if name != "__main__" and getattr(module, "__file__", None) and not str(module.__file__).startswith(allowed)
    )


def main() -> None:
    package = Path.cwd().resolve()
    seconds: dict[str, float] = {}

    def timed(name: str, run):
        started = time.monotonic()
        result = run()
        seconds[name] = round(time.monotonic() - started, 2)
        return result

    report = {
        "functions": sorted(timed("index", _functions)),
        "azure_adapters": timed("azure_world", lambda: asyncio.run(_azure_world_builds())),
        **timed("score", lambda: asyncio.run(_score_one_answer())),
        "seconds": seconds,
        "sys_path": sys.path,
    }
    import rehearse

    report["rehearse_from"] = str(Path(rehearse.__file__).resolve())
    report["outside"] = _loaded_from_outside(package)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
